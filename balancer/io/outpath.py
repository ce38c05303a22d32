"""What every output path must be before the tool writes there, and the file system's
refusals as one message (exit 2), never a traceback.

A file output (`-o plan.json`, `--csv`, `--html`) may replace an existing regular file
(that is what `-o` means) and the new file keeps the old one's permission bits; it is never
written through a symbolic link (a link, a link loop), onto a folder or onto a special file
(a device such as /dev/null, a FIFO, a socket), nor onto an input of the running command.
A folder output is never a symbolic link or anything but a folder.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from balancer.errors import InputError, Location
from balancer.io.guard import refuse_input

_FIX = {
    errno.ENAMETOOLONG: "use a shorter path (each name at most 255 bytes).",
    errno.ENOSPC: "free some space on that disk, or write somewhere else.",
    errno.EDQUOT: "free some space (the disk quota is reached), or write somewhere else.",
    errno.EROFS: "choose a folder on a disk that is not mounted read-only.",
    errno.ELOOP: "the path goes through a loop of symbolic links: choose a real folder.",
}


@contextmanager
def writable(path: str | Path) -> Iterator[None]:
    """A refusal of the file system (permissions, a name too long, a full disk, a link
    loop) is one message naming the path, exit 2."""
    try:
        yield
    except OSError as exc:
        raise refusal(exc, path) from None
    except RuntimeError as exc:  # pathlib's "Symlink loop" before Python 3.13
        if not str(exc).startswith("Symlink loop"):
            raise
        raise InputError(
            f"cannot write here: {exc}.", fix=_FIX[errno.ELOOP], where=Location(str(path))
        ) from None
    except ValueError as exc:
        if "null" not in str(exc):
            raise
        raise _nul(path) from None


def _nul(path: str | Path) -> InputError:
    return InputError(
        "cannot write here: the path holds a NUL byte.",
        fix="give a path without control characters.",
        where=Location(repr(str(path))),
    )


def refusal(exc: OSError, path: str | Path) -> InputError:
    """The file system's refusal, said once: what it said, where, and what to do."""
    return InputError(
        f"cannot write here: {exc.strerror or exc}.",
        fix=_FIX.get(exc.errno or 0, "choose a folder you can write to."),
        where=Location(str(path)),
    )


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def default_mode() -> int:
    """The mode of a new file: what `open()` would give it."""
    return 0o666 & ~umask()


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise InputError(
            "cannot write here: a part of this path is a file, not a folder.",
            fix="choose a path whose folders are folders.",
            where=Location(str(path)),
        ) from None
    except OSError as exc:
        raise refusal(exc, path) from None
    except ValueError:  # an embedded NUL byte
        raise _nul(path) from None


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def file_target(path: str | Path, replaces_input: bool = False) -> int:
    """Check a file output before it is written; the permission bits the new file gets (the
    replaced file's, or the default). `replaces_input`: the command updates a file it read
    on purpose (`rebalance --apply`, deploy's record)."""
    target = Path(path)
    if not replaces_input:
        refuse_input(target)
    st = _lstat(target)
    if st is None:
        return default_mode()
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"the output path is {_kind(st.st_mode)}, not a regular file; the tool writes "
            "only regular files and never through a link.",
            fix="choose another output path: a new file, or a file it may replace.",
            where=Location(str(path)),
        )
    return stat.S_IMODE(st.st_mode)


def folder_target(path: str | Path) -> Path:
    """The absolute folder an output folder names, its last part not resolved (a link there
    is refused, not followed); refused when it is something other than a folder."""
    absolute = Path(os.path.abspath(path))
    if not absolute.name:
        raise InputError(
            "the output folder cannot be the root of the file system.",
            fix="choose a new folder.",
            where=Location(str(path)),
        )
    with writable(path):
        target = absolute.parent.resolve() / absolute.name
    refuse_input(target)
    st = _lstat(target)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise InputError(
            f"the output path is {_kind(st.st_mode)}, not a folder"
            + ("; the tool does not write through links" if stat.S_ISLNK(st.st_mode) else "")
            + ".",
            fix="choose another output folder: a new folder, or an earlier output.",
            where=Location(str(path)),
        )
    return target
