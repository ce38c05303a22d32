"""`write_tree(out_dir, files)`: make a folder hold exactly `files`, plus what a person added
to an earlier output there, and never lose one of a person's files.

- A missing or empty folder gets exactly `files` (and the manifest `MANIFEST` listing them).
- A folder holding an earlier output (its manifest lists what was written then) is
  replaced; files, links and folders a person added to it are carried over untouched
  (`balancer.io.carry`: hard links or copies, never moves). A new file that would land on
  one of a person's files is refused, and so is an input of the running command that the
  replacement would remove (`balancer.io.guard`).
- Any other non-empty folder (a project, a home folder, `.`), a link, a file or a device is
  refused (exit 2).

The instants, under the lock of `balancer.io.treelock` (runs into one folder take turns):
1. recover what killed runs left (`treelock.recover`); 2. build `.<name>.new-*` beside the
folder: its manifest first, then the files, then the person's files carried from the folder
(which is untouched so far); 3. rename the folder to `.<name>.old-*`; 4. carry again what the
person added, or saved again, meanwhile (an edit saved the editor's way, a new file renamed
over the old, is a new file: it replaces the link carried in 2); 5. rename `.new-*` to the
folder; 6. remove `.old-*`. A reader sees the old folder or the new one, never a mix; between
3 and 5 (two renames apart) the folder is briefly missing (POSIX has no rename that swaps
two folders). A file the person added during the write where a new file goes (or a file
where the new output has a folder, or the reverse) refuses the write at 4: the folder is
renamed back, unchanged, with the person's file in it (exit 2, naming it). Killed at any
instant, the person's files are in the folder or in `.old-*`, and the next run puts them
back before it removes anything; on an error the folder is left as it was.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from balancer.errors import InputError, Location
from balancer.io.carry import MANIFEST, carry, remove_folder, tool_files, write_manifest
from balancer.io.guard import inputs_under
from balancer.io.outpath import folder_target, umask, writable
from balancer.io.treelock import leftover_name, recover, tree_lock

__all__ = ["MANIFEST", "check_folder", "write_tree"]


def write_tree(out_dir: str | Path, files: Mapping[str, str | bytes]) -> None:
    """Make `out_dir` hold `files` (plus what a person added to an earlier output)."""
    with writable(out_dir):
        names = [_checked(rel, out_dir) for rel in files]
        target = folder_target(out_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tree_lock(target) as locked:
            recover(target, locked)
            folder_target(out_dir)  # what recovery put back is checked too
            _replace(target, files, names, str(out_dir))


def check_folder(out_dir: str | Path) -> None:
    """Refuse now what `write_tree(out_dir, ...)` would refuse about the folder itself (a
    command with several outputs checks them all before it writes one)."""
    with writable(out_dir):
        _earlier(folder_target(out_dir), str(out_dir))


def _checked(rel: str, out_dir: str | Path) -> str:
    """A file name of the output: a relative path that stays inside the folder."""
    path = PurePosixPath(rel)
    if (
        not rel
        or path.is_absolute()
        or "\\" in rel
        or "\0" in rel
        or any(part in ("", ".", "..") for part in rel.split("/"))
        or rel == MANIFEST
    ):
        raise InputError(
            f"the output would hold a file named {rel!r}, which leaves its folder.",
            fix="give the names that reach file names (plan name, suffixes) as plain names.",
            where=Location(str(out_dir)),
        )
    return rel


def _earlier(target: Path, shown: str) -> set[str] | None:
    """The files of the earlier output in `target` (empty for an empty folder); None when
    there is no folder. Refused: a non-empty folder that is no output, and an output whose
    replacement would remove an input of the running command."""
    if not os.path.lexists(target):
        return None
    with os.scandir(target) as entries:
        if next(entries, None) is None:
            return set()
    earlier = tool_files(target)
    if earlier is None:
        raise InputError(
            "the output folder is not empty and holds no earlier output of lakeflow-balancer "
            f"(no {MANIFEST}); writing there could overwrite files it did not make.",
            fix="choose a new or empty folder.",
            where=Location(shown),
        )
    for rel in inputs_under(target):
        if rel.as_posix() in earlier or rel.as_posix() == MANIFEST:
            raise InputError(
                f"{rel.as_posix()} is an input of this command and a file of the earlier "
                "output in this folder, which this output replaces.",
                fix="choose another output folder, or move the input out of it.",
                where=Location(shown),
            )
    return earlier


def _replace(target: Path, files: Mapping[str, str | bytes], names: list[str], shown: str) -> None:
    earlier = _earlier(target, shown)
    staging = leftover_name(target, "new")
    os.mkdir(staging, 0o700)
    try:
        _fill(staging, files, target if earlier is not None else None)
        if earlier is None:
            os.chmod(staging, 0o777 & ~umask())
            os.rename(staging, target)
            return
        _refuse(carry(target, earlier, staging, set(names)), None, shown)
        os.chmod(staging, stat.S_IMODE(os.lstat(target).st_mode))
        old = leftover_name(target, "old")
        os.rename(target, old)
        try:  # what the person added or saved again while this run copied
            _refuse(carry(old, earlier, staging, set(names), refresh=True), names, shown)
            os.rename(staging, target)
        except BaseException:
            os.rename(old, target)
            raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # the new files and copies only
        raise
    remove_folder(old)  # every person's file of it is in the folder now


def _refuse(clash: list[str], late: list[str] | None, shown: str) -> None:
    """Refused when a person's entry cannot be carried: it stands where a new file goes, or
    (`late`: the new output's names, in the carry just before the swap) a file that was made
    where a folder is (or the reverse) during the write."""
    if not clash:
        return
    if late is None or clash[0] in late:
        raise InputError(
            f"{clash[0]} was not written by lakeflow-balancer but would be replaced.",
            fix="move that file away, or choose another folder.",
            where=Location(shown),
        )
    raise InputError(
        f"{clash[0]} was made or changed (a file where a folder is, or the reverse) while "
        "this run wrote the folder; nothing was replaced.",
        fix="run the command again.",
        where=Location(shown),
    )


def _fill(staging: Path, files: Mapping[str, str | bytes], earlier: Path | None) -> None:
    """The manifest first (so a run killed while writing leaves a folder whose files are
    told apart), then the files, each keeping the permission bits of the file it replaces."""
    write_manifest(staging, files)
    made = {staging}
    for rel, content in files.items():
        path = staging / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="\n")
        before = _regular(earlier / rel) if earlier is not None else None
        if before is not None:
            os.chmod(path, before)


def _regular(path: Path) -> int | None:
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else None
