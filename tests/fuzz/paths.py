"""Hostile values of path options, made real inside a sandbox.

A case is drawn as a name (`path_case()`), then `make_path(box, case, inputs)` builds it:
a symlink to a private folder of the user's, a symlink loop, a dangling link, a device node
(a /dev/null twin, when the tests may create one), a file inside a read-only folder, an
input of the same command, a path too long for the file system, a folder where a file is
expected and the reverse, a non-empty folder of the user's, a name with control characters.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hypothesis import strategies as st

from tests.fuzz.sandbox import Sandbox

CASES = (
    "plain",
    "nested-new",
    "symlink-to-private",
    "symlink-loop",
    "dangling-link",
    "read-only-folder",
    "same-as-input",
    "long-name",
    "long-path",
    "existing-folder",
    "existing-file",
    "user-folder",
    "control-name",
    "device",
)


USERS = (
    "symlink-to-private",
    "symlink-loop",
    "dangling-link",
    "existing-folder",
    "user-folder",
    "device",
)
"""Cases whose entry at the path is the user's: a command may write inside such a folder
but must not replace, remove or re-mode it (a regular file at the path may be overwritten:
that is what an output option is for)."""


def _can_mknod() -> bool:
    return hasattr(os, "mknod") and os.geteuid() == 0


def path_case() -> st.SearchStrategy[str]:
    return st.sampled_from([c for c in CASES if c != "device" or _can_mknod()])


def make_path(box: Sandbox, case: str, inputs: list[Path], name: str = "out") -> Path:
    """Build the case in the sandbox; return the path to give the option. What the case
    creates is the user's: the checks hold it must not change."""
    p = box.path(name)
    if case == "nested-new":
        return box.path(f"new/deeper/{name}")
    if case == "symlink-to-private":
        private = box.path("private")
        private.mkdir()
        box.input("private/secret.txt", "the user's\n", mode=0o600)
        private.chmod(0o700)
        p.symlink_to(private)
    elif case == "symlink-loop":
        box.path("loop-b").symlink_to(p)
        p.symlink_to(box.path("loop-b"))
    elif case == "dangling-link":
        p.symlink_to(box.path("nowhere/at/all"))
    elif case == "read-only-folder":
        folder = box.path("locked")
        folder.mkdir()
        folder.chmod(0o555)
        p = folder / name
    elif case == "same-as-input" and inputs:
        p = inputs[0]
    elif case == "long-name":
        p = box.path("n" * 300)
    elif case == "long-path":
        p = box.path("/".join(["d" * 200] * 25))
    elif case == "existing-folder":
        p.mkdir()
    elif case == "existing-file":
        p.write_text("an earlier output, which the command may replace\n")
    elif case == "user-folder":
        p.mkdir()
        box.input(f"{name}/notes.md", "the user's notes\n")
    elif case == "control-name":
        p = box.path("out\x1b[2J\n\u202e")
    elif case == "device":
        os.mknod(p, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    if case in USERS:
        box.mark_input(p)
    if case == "symlink-loop":
        box.mark_input(box.path("loop-b"))
    return p
