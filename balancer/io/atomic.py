"""The one place outputs are written: whole files and whole folders, or nothing.

`write_file(path, content)` and `replacing(path)`: a temporary file beside the target, then
one rename, so a reader sees the old file or the new one. The rules of a file output (no
links, folders, devices or inputs of the command; a replaced file keeps its permission
bits) are `balancer.io.outpath.file_target`'s.

`write_tree(out_dir, files)` (`balancer.io.tree`) replaces a folder it wrote earlier and
carries over what a person added to it; it never loses a person's file, even when killed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from balancer.io.outpath import file_target, writable
from balancer.io.tree import MANIFEST, check_folder, write_tree

__all__ = ["MANIFEST", "check_file", "check_folder", "replacing", "write_file", "write_tree"]


def check_file(path: str | Path, *, replaces_input: bool = False) -> None:
    """Refuse now what `write_file(path, ...)` would refuse (an input of the command, a link,
    a folder, a device): a command checks its outputs once its inputs are read, before the
    work that makes them."""
    file_target(path, replaces_input)


def write_file(path: str | Path, content: str | bytes, *, replaces_input: bool = False) -> None:
    """Write the whole file or nothing. `replaces_input`: the command updates a file it read,
    on purpose (`rebalance --apply`, deploy's record of a deployment)."""
    with writable(path):
        fd, tmp, mode = _begin(path, replaces_input)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
            _commit(path, tmp, mode, replaces_input)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@contextmanager
def replacing(path: str | Path) -> Iterator[TextIO]:
    """A text file written bit by bit (bounded memory) beside `path` and renamed over it
    when the block ends without error; on any error `path` is left as it was."""
    with writable(path):
        fd, tmp, mode = _begin(path, False)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
        with writable(path):
            _commit(path, tmp, mode, False)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _begin(path: str | Path, replaces_input: bool) -> tuple[int, str, int]:
    """A new file beside `path`: its descriptor, its name, and the mode it will get."""
    target = Path(path)
    mode = file_target(target, replaces_input)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    return fd, tmp, mode


def _commit(path: str | Path, tmp: str, mode: int, replaces_input: bool) -> None:
    """Rename the written file over `path`, checked once more (still no link, folder or
    device: it may have appeared while the file was written)."""
    os.chmod(tmp, mode)
    file_target(path, replaces_input)
    os.replace(tmp, path)
