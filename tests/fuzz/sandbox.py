"""A fresh folder per fuzz example, and the snapshot of everything in it.

`Sandbox()` makes a temporary folder (removed by `close`, even when a test made parts of it
read-only). Inputs are written with `input(...)` (the checks then hold that their bytes and
mode never change); `snapshot()` records every entry below the root without following
symlinks: its kind, mode, and the hash of a file's bytes or a link's target.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    """One entry of a snapshot: 'file', 'dir', 'link' or 'special', its permission bits, and
    what it holds (a file's sha256, a link's target, a special file's device number)."""

    kind: str
    mode: int
    content: str


def entry_of(path: Path) -> Entry:
    st = path.lstat()
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        return Entry("link", mode, os.readlink(path))
    if stat.S_ISDIR(st.st_mode):
        return Entry("dir", mode, "")
    if stat.S_ISREG(st.st_mode):
        return Entry("file", mode, hashlib.sha256(path.read_bytes()).hexdigest())
    return Entry("special", mode, str(st.st_rdev))


Snapshot = dict[str, Entry]


@dataclass
class Sandbox:
    """A temporary folder holding one example's inputs and outputs."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="fuzz-")).resolve())
    inputs: set[str] = field(default_factory=set)

    def path(self, name: str) -> Path:
        return self.root / name

    def input(self, name: str, data: bytes | str, mode: int | None = None) -> Path:
        """Write an input file (folders made as needed) and remember it as an input."""
        p = self.path(name)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        if mode is not None:
            p.chmod(mode)
        self.inputs.add(self.rel(p))
        return p

    def mark_input(self, p: Path) -> Path:
        """Remember an existing entry (and everything below it) as an input."""
        for entry in [p, *(p.rglob("*") if p.is_dir() and not p.is_symlink() else [])]:
            self.inputs.add(self.rel(entry))
        return p

    def rel(self, p: Path | str) -> str:
        """A path inside the sandbox as the snapshot names it ('.' for the root)."""
        path = Path(p) if Path(p).is_absolute() else self.root / p
        return os.path.relpath(os.path.normpath(path), self.root)

    def snapshot(self) -> Snapshot:
        out: Snapshot = {".": entry_of(self.root)}
        for folder, dirs, files in os.walk(self.root):
            for name in dirs + files:
                p = Path(folder) / name
                out[self.rel(p)] = entry_of(p)
        return out

    @contextmanager
    def cwd(self) -> Iterator[None]:
        """Run with the sandbox as the working folder (default outputs land in it)."""
        before = os.getcwd()
        os.chdir(self.root)
        try:
            yield
        finally:
            os.chdir(before)

    def close(self) -> None:
        for folder, dirs, _ in os.walk(self.root):
            for name in dirs:
                p = Path(folder) / name
                if not p.is_symlink():
                    p.chmod(0o755)
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox()
    try:
        yield box
    finally:
        box.close()
