"""The inputs of the running command, so no output is ever written onto one.

A reader calls `note_input(path)` when it opens a file (`balancer.io.files.read_bytes` does
for every reader); a writer calls `refuse_input(path)` before it creates or replaces a
file, and `inputs_under(folder)` before it replaces a folder. A file is the same input when
its resolved path is, or when it is the same file on disk (st_dev, st_ino: a hard link, a
bind mount, another spelling on a case-insensitive disk).

The registry lives only while a command runs (`command_scope`, opened by
`balancer.cli.common.handle_errors` and the scheduled job's entry point), so many commands
in one process (tests, notebooks) never see each other's inputs, and the Python API outside
a command (`read_plan` then `write_plan` to the same path in a notebook) is not refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from balancer.errors import InputError, Location


@dataclass(frozen=True)
class _Input:
    path: Path  # resolved
    inode: tuple[int, int] | None  # (st_dev, st_ino) when it could be stat'ed


_inputs: list[_Input] | None = None  # None: no command is running


@contextmanager
def command_scope() -> Iterator[None]:
    """One command's inputs: empty when it starts, forgotten when it ends (a nested scope
    shares the outer one's)."""
    global _inputs
    if _inputs is not None:
        yield
        return
    _inputs = []
    try:
        yield
    finally:
        _inputs = None


def _resolved(path: str | Path) -> Path:
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return Path(os.path.abspath(path))


def _inode(path: str | Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def note_input(path: str | Path) -> None:
    """Remember that the running command reads `path` (nothing outside a command)."""
    if _inputs is not None:
        _inputs.append(_Input(_resolved(path), _inode(path)))


def is_input(path: str | Path) -> bool:
    """Whether `path` is (or is the same file as) an input of the running command."""
    if not _inputs:
        return False
    resolved, inode = _resolved(path), _inode(path)
    return any(i.path == resolved or (inode is not None and i.inode == inode) for i in _inputs)


def refuse_input(path: str | Path) -> None:
    """Refuse to create or replace `path` when the running command reads it."""
    if is_input(path):
        raise InputError(
            "this output is also an input of the command; writing it would replace the file it "
            "read.",
            fix="choose another output path.",
            where=Location(str(path)),
        )


def inputs_under(folder: str | Path) -> list[Path]:
    """The inputs of the running command that lie inside `folder`, relative to it."""
    root = _resolved(folder)
    return sorted(i.path.relative_to(root) for i in _inputs or () if root in i.path.parents)
