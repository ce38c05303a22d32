"""Runs that write one output folder take turns, and a run recovers what a killed one left.

The lock: `fcntl.flock` on `.<name>.lfb-lock` beside the folder, held for the whole write and
removed by its holder before it lets go (a waiting run checks that the file it locked is
still the one at that name, else it locks the new one). A run that waits longer than
`WAIT_S` is refused (exit 2). The lock is released by the kernel when its holder dies. On a
disk that has no locks (some network and FUSE mounts) the runs go unlocked, and a run then
recovers only the leftovers of processes that are gone.

The leftovers, `.<name>.new-<pid>-<ns>` (a folder being built) and `.<name>.old-<pid>-<ns>`
(the folder it replaces, renamed aside for an instant), are recovered before anything is
deleted: a missing folder is restored from the newest `.old-`; then each leftover's
person's files that the folder lacks are carried into it; only then is the leftover
removed (`balancer.io.carry.remove_folder`, its manifest last). A folder missing with only
`.new-` leftovers (a person removed it after a kill) is made again as an output whose
manifest lists no file of the tool's, holding the person's files a leftover kept (none:
no folder); files never go into a folder without a manifest: a folder of a person's that
now stands there keeps the leftovers beside it, untouched, and the write is refused.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from balancer.errors import InputError, Location
from balancer.io.carry import MANIFEST, carry, remove_folder, tool_files, write_manifest
from balancer.io.outpath import umask

WAIT_S = 120.0
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


@contextmanager
def tree_lock(target: Path) -> Iterator[bool]:
    """Hold the lock of `target` (True), or go unlocked where the disk has none (False)."""
    path = target.parent / f".{target.name}.lfb-lock"  # a name no person gives a file
    fd = _locked(path, target)
    if fd is None:
        yield False
        return
    try:
        yield True
    finally:
        try:
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)


def _locked(path: Path, target: Path) -> int | None:
    """A descriptor of the lock file, locked; None when the disk (or the system) has no
    locks."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        return None

    deadline = time.monotonic() + WAIT_S
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() > deadline:
                raise InputError(
                    f"another run is writing this folder (it has held its lock for over "
                    f"{WAIT_S:.0f} s).",
                    fix="wait for that run to finish, or stop it, then run this again.",
                    where=Location(str(target)),
                ) from None
            time.sleep(0.02)
            continue
        except OSError as exc:
            os.close(fd)
            if exc.errno in _NO_LOCKS:
                return None
            raise
        if _same_file(fd, path):
            return fd
        os.close(fd)  # its holder removed it after we opened it: lock the new one


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def leftover_name(target: Path, kind: str) -> Path:
    """A free name for a folder beside `target` that the next run recognises."""
    while True:
        path = target.parent / f".{target.name}.{kind}-{os.getpid()}-{time.time_ns():x}"
        if not os.path.lexists(path):
            return path


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(target: Path, locked: bool) -> list[tuple[str, int, Path]]:
    """(kind, ns, path) of the leftovers beside `target`, newest first: all of them when we
    hold the lock (no run that holds none is writing), else those of processes gone."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(new|old)-(\d+)-([0-9a-f]+)$")
    found = []
    for sibling in target.parent.iterdir():
        m = pattern.match(sibling.name)
        dead = m is not None and (locked or not _alive(int(m.group(2))))
        if m and dead and stat.S_ISDIR(os.lstat(sibling).st_mode):
            found.append((m.group(1), int(m.group(3), 16), sibling))
    return sorted(found, key=lambda f: -f[1])


def recover(target: Path, locked: bool) -> None:
    """Undo what killed runs left beside `target`, losing none of a person's files."""
    leftovers = _leftovers(target, locked)
    if not leftovers:
        return
    if not os.path.lexists(target):
        olds = [f for f in leftovers if f[0] == "old"]
        if olds:  # killed between its two renames: the earlier folder comes back
            os.rename(olds[0][2], target)
            leftovers.remove(olds[0])
    if os.path.lexists(target) and not stat.S_ISDIR(os.lstat(target).st_mode):
        return  # not a folder any more: leave everything as it is (the write is refused)
    for _, _, folder in leftovers:
        made = _output_to_carry_into(target)
        if made is None:
            return  # a folder of a person's now, no output: leftovers kept, the write refused
        conflicts = carry(folder, tool_files(folder), target, tool_files(target) or set())
        if made and [p.name for p in target.iterdir()] == [MANIFEST]:
            _unmake(target, made)
        if not conflicts:
            remove_folder(folder)


def _output_to_carry_into(target: Path) -> str | None:
    """Make `target` an output a leftover's person's files may go into: "" when it is one
    already, "made" when it was missing (removed by a person after a kill: it is made with
    a manifest listing no file of the tool's), "marked" when it was an empty folder (given
    that manifest); None when it is a folder of a person's (no manifest, not empty): no
    file ever goes into a folder without a manifest."""
    if not os.path.lexists(target):
        os.mkdir(target, 0o700)
        write_manifest(target, [])
        os.chmod(target, 0o777 & ~umask())
        return "made"
    if tool_files(target) is not None:
        return ""
    if any(target.iterdir()):
        return None
    write_manifest(target, [])
    return "marked"


def _unmake(target: Path, made: str) -> None:
    """Nothing went into `target`: as it was (missing, or empty)."""
    (target / MANIFEST).unlink()
    if made == "made":
        target.rmdir()
