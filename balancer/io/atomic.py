"""The one place outputs are written: whole files and whole folders, or nothing.

`write_file(path, text)`: a temporary file beside the target, then one rename.

`write_tree(out_dir, files)` never deletes a file this tool did not write:
- a missing or empty folder is created with exactly `files`;
- a folder holding an earlier output (its manifest `.lakeflow-balancer-files.json` lists
  the files written then) is replaced: the new files are built beside it and swapped in with
  one rename, so a reader sees the old folder or the new one, never a mix. Files and folders
  a person added to it since are carried over untouched;
- any other non-empty folder (a project, a home folder, `.`) is refused with exit 2, and so
  is a new file that would land on a file a person added.
On any failure the folder stays as it was; staging folders a killed write left behind (their
process is gone) are removed by the next write.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from balancer.errors import InputError, Location

MANIFEST = ".lakeflow-balancer-files.json"


@contextmanager
def _writable(path: str | Path) -> Iterator[None]:
    """A refusal of the file system (permissions, a name too long, a full disk) is exit 2."""
    try:
        yield
    except OSError as exc:
        raise InputError(
            f"cannot write here: {exc.strerror or exc}.",
            fix="choose a folder you can write to, with a shorter path if the name is too long.",
            where=Location(str(path)),
        ) from None


def write_file(path: str | Path, text: str) -> None:
    """Write the whole file or nothing: a temporary file beside it, then a rename."""
    with _writable(path):
        _write_file(path, text)


def _write_file(path: str | Path, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def replacing(path: str | Path) -> Iterator[TextIO]:
    """A text file written bit by bit (bounded memory) beside `path` and renamed over it
    when the block ends without error; on any error `path` is left as it was."""
    target = Path(path)
    with _writable(path):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
        with _writable(path):
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _earlier_files(target: Path) -> set[str] | None:
    """The files of an earlier output in `target`; None when it is not one."""
    manifest = target / MANIFEST
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return {str(f) for f in data["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _foreign(target: Path, written: set[str]) -> list[str]:
    """Paths under `target` (whole folders where possible) that the earlier output did not write."""
    needed_dirs = {str(Path(f).parent.as_posix()) for f in written}
    ancestors = {
        str(Path(*Path(d).parts[:k]).as_posix())
        for d in needed_dirs
        for k in range(1, len(Path(d).parts) + 1)
    }
    out: list[str] = []

    def walk(folder: Path, rel: str) -> None:
        for entry in sorted(folder.iterdir()):
            path = f"{rel}{entry.name}"
            if path in written or path == MANIFEST:
                continue
            if entry.is_dir() and not entry.is_symlink() and path in ancestors:
                walk(entry, f"{path}/")
            else:
                out.append(path)

    walk(target, "")
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_leftovers(target: Path) -> None:
    """Staging folders a killed earlier write left beside `target` (their process is gone)."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(?:new|old)-(\d+)-")
    for sibling in target.parent.iterdir():
        m = pattern.match(sibling.name)
        if m and sibling.is_dir() and not _alive(int(m.group(1))):
            shutil.rmtree(sibling, ignore_errors=True)


def write_tree(out_dir: str | Path, files: Mapping[str, str | bytes]) -> None:
    """Make `out_dir` hold `files` (plus what a person added to an earlier output)."""
    with _writable(out_dir):
        _write_tree(out_dir, files)


def _write_tree(out_dir: str | Path, files: Mapping[str, str | bytes]) -> None:
    target = Path(out_dir).resolve()
    if target.exists() and not target.is_dir():
        raise InputError(
            "the output path is a file, not a folder.",
            fix="choose a folder.",
            where=Location(str(out_dir)),
        )
    carried: list[str] = []
    if target.is_dir() and any(target.iterdir()):
        earlier = _earlier_files(target)
        if earlier is None:
            raise InputError(
                "the output folder is not empty and holds no earlier output of lakeflow-balancer "
                f"(no {MANIFEST}); writing there could overwrite files it did not make.",
                fix="choose a new or empty folder.",
                where=Location(str(out_dir)),
            )
        carried = _foreign(target, earlier)
        clash = sorted(set(carried) & set(files))
        if clash:
            raise InputError(
                f"{clash[0]} was not written by lakeflow-balancer but would be replaced.",
                fix="move that file away, or choose another folder.",
                where=Location(str(out_dir)),
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-{os.getpid()}-", dir=target.parent))
    moved: list[str] = []
    try:
        for rel, content in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="\n")
        manifest = {"tool": "lakeflow-balancer", "files": sorted(files)}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.chmod(staging, 0o777 & ~_umask())
        for rel in carried:
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            os.rename(target / rel, staging / rel)
            moved.append(rel)
        if target.exists():
            old = Path(
                tempfile.mkdtemp(prefix=f".{target.name}.old-{os.getpid()}-", dir=target.parent)
            )
            old.rmdir()
            os.replace(target, old)
            try:
                os.replace(staging, target)
            except BaseException:
                os.replace(old, target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        for rel in reversed(moved):
            if (staging / rel).exists() or (staging / rel).is_symlink():
                os.rename(staging / rel, target / rel)
        shutil.rmtree(staging, ignore_errors=True)
        raise
