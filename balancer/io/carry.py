"""A person's files in an output folder: which they are, how they are carried into the
folder that replaces it, and how a folder is removed without losing one.

An output folder lists the files the tool wrote in its manifest (`MANIFEST`); everything
else in it (files, links, folders, at any depth) is a person's. Carrying never moves: it
gives the other folder a hard link to the same file where the disk allows, else a copy
(written under a temporary name and renamed, so a half copy never has the file's name),
with the same bytes and permission bits; the original stays where it was until the folder
holding it is removed, which happens only once every person's file in it is present in
the folder that replaces it.

A copy is written under `.<name>.lfb-part-<pid>-<token>` (this process's id and a random
token drawn when it starts), and only names of this process's own are skipped: a person's
file named like one is a person's file, carried and never deleted. A half copy a killed
run left is then kept as a person's file too (hidden, never the file's own name): nothing
of a person's is ever deleted on a guess.

`carry(..., refresh=True)` (the carry just before the swap) also replaces an entry the
destination holds that is no longer the same file as the source's (st_ino, st_mtime_ns,
st_size differ): a person saved an edit during the write, the editor's way (a new file
renamed over the old) or in place over a copy.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path

from balancer.errors import InputError, Location
from balancer.jsondoc import load_json

MANIFEST = ".lakeflow-balancer-files.json"
_TOKEN = secrets.token_hex(8)  # this process's half copies: `.<name>.lfb-part-<pid>-<token>`


def _part_name(name: str) -> str:
    return f".{name}.lfb-part-{os.getpid()}-{_TOKEN}"


def _is_part(name: str) -> bool:
    """A copy this process is writing (never a person's file, nor another run's)."""
    return re.fullmatch(rf"\..+\.lfb-part-{os.getpid()}-{_TOKEN}", name) is not None


def write_manifest(folder: Path, files: Iterable[str]) -> None:
    """The manifest of an output folder: the files the tool wrote in it."""
    manifest = {"tool": "lakeflow-balancer", "files": sorted(files)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def tool_files(folder: Path) -> set[str] | None:
    """The files an earlier output in `folder` lists; None when `folder` holds no manifest
    or one that cannot be read (not JSON this tool reads, too deep, no list of names): then
    nothing in it is taken for the tool's, and the folder is no earlier output."""
    manifest = folder / MANIFEST
    try:
        if not stat.S_ISREG(os.lstat(manifest).st_mode):
            return None
        data = load_json(manifest.read_bytes(), Location(str(manifest)), what="manifest")
    except (OSError, InputError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return set(files)


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _copy(src: Path, dst: Path, st: os.stat_result, replace: bool = False) -> None:
    """`dst` becomes the same file as `src`: a hard link, else a copy (links stay links).
    `replace`: `dst` exists and is replaced in one rename."""
    part = dst.with_name(_part_name(dst.name))
    try:
        if stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(src), part if replace else dst)
        else:
            _link_or_copy(src, part, dst, st, replace)
        if replace:
            os.replace(part, dst)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _link_or_copy(src: Path, part: Path, dst: Path, st: os.stat_result, replace: bool) -> None:
    try:
        os.link(src, part if replace else dst, follow_symlinks=False)
        return
    except OSError:
        if not stat.S_ISREG(st.st_mode):
            raise
    shutil.copy2(src, part, follow_symlinks=False)
    if not replace:
        os.rename(part, dst)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_ino, a.st_mtime_ns, a.st_size) == (b.st_ino, b.st_mtime_ns, b.st_size)


def _ancestors(files: set[str]) -> set[str]:
    return {"/".join(f.split("/")[:k]) for f in files for k in range(1, f.count("/") + 1)}


def _parent(src: Path, dst: Path, rel_dir: str, modes: list[tuple[Path, int]]) -> bool:
    """Make the folders of `rel_dir` (ending in '/') that `dst` lacks, with the permission
    bits of `src`'s; False when a file of `dst` stands where one goes."""
    parts = [p for p in rel_dir.split("/") if p]
    for k in range(1, len(parts) + 1):
        rel = "/".join(parts[:k])
        there = _lstat(dst / rel)
        if there is None:
            os.mkdir(dst / rel, 0o700)
            modes.append((dst / rel, stat.S_IMODE(os.lstat(src / rel).st_mode)))
        elif not stat.S_ISDIR(there.st_mode):
            return False
    return True


def carry(
    src: Path, tool: set[str] | None, dst: Path, taken: set[str], refresh: bool = False
) -> list[str]:
    """Give `dst` every entry of `src` a person made (not the manifest, not in `tool`) that
    `dst` lacks, folders keeping their permission bits. Returns the person's paths that
    cannot go there: `dst` holds a file of its own (`taken`) there, or a file where a folder
    goes. An entry `dst` already holds is left as `dst` has it, unless `refresh` (`dst`'s
    entries are copies of `src`'s carried earlier) and it is no longer the same file."""
    tool = tool or set()
    tool_dirs = _ancestors(tool)
    conflicts: list[str] = []
    modes: list[tuple[Path, int]] = []
    folders = [""]
    while folders:
        rel_dir = folders.pop()
        with os.scandir(src / rel_dir) as entries:
            names = sorted(e.name for e in entries)
        for name in names:
            rel = f"{rel_dir}{name}"
            if rel == MANIFEST or rel in tool or _is_part(name):
                continue
            st = os.lstat(src / rel)
            there = _lstat(dst / rel)
            is_dir = stat.S_ISDIR(st.st_mode)
            there_dir = there is not None and stat.S_ISDIR(there.st_mode)
            if is_dir and rel in tool_dirs:
                if there_dir:  # the tool's folder keeps its permission bits
                    modes.append((dst / rel, stat.S_IMODE(st.st_mode)))
                folders.append(f"{rel}/")  # made only if a person's entry goes in it
            elif there is not None and (is_dir != there_dir or (not is_dir and rel in taken)):
                conflicts.append(rel)
            elif there is not None and not is_dir:
                if refresh and not _same(st, there):  # saved again since it was carried
                    _copy(src / rel, dst / rel, st, replace=True)
            elif not _parent(src, dst, rel_dir, modes):
                conflicts.append(rel)
            elif is_dir:
                if there is None:
                    os.mkdir(dst / rel, 0o700)
                modes.append((dst / rel, stat.S_IMODE(st.st_mode)))
                folders.append(f"{rel}/")
            else:
                _copy(src / rel, dst / rel, st)
    for folder, mode in reversed(modes):
        os.chmod(folder, mode)
    return sorted(conflicts)


def remove_folder(folder: Path) -> None:
    """Remove a folder the tool made, its manifest last: a removal cut short leaves a folder
    whose remaining files are still told apart (the tool's from a person's)."""
    with os.scandir(folder) as entries:
        names = sorted(e.name for e in entries)
    for name in names:
        if name == MANIFEST:
            continue
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    (folder / MANIFEST).unlink(missing_ok=True)
    folder.rmdir()
