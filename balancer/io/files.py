"""Shared file handling of the readers: existence, digests, CSV rows with their numbers."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

from balancer.errors import InputError, Location
from balancer.io.guard import note_input


def read_bytes(path: str | Path, what: str) -> bytes:
    """The file's bytes, or an InputError saying it is missing, a folder, unreadable (a name
    too long, a loop of links, no permission) or empty. Every reader reads through here, so
    the output layer knows each input of the command (`guard.note_input`)."""
    p = Path(path)
    note_input(p)
    try:
        _regular(p, what)
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"{what} file not found.", fix="check the path.", where=Location(str(p))
        ) from None
    except IsADirectoryError:
        raise InputError(f"{what} path is a folder, not a file.", where=Location(str(p))) from None
    except OSError as exc:
        raise InputError(
            f"cannot read the {what} file: {exc.strerror or exc}.",
            fix="check the path and that you may read it.",
            where=Location(str(p)),
        ) from None
    if not data.strip():
        raise InputError(
            f"the {what} file is empty.",
            fix="give it a header row and one row per entry."
            if p.suffix.lower() == ".csv"
            else "check that it is the file you meant: it holds nothing.",
            where=Location(str(p)),
        )
    return data


MAX_FILE_BYTES = 16 * 2**30  # a history this large is read as one piece of memory anyway


def _regular(p: Path, what: str) -> None:
    """Only a regular file is read: a device (/dev/zero) would never end, a FIFO would wait
    forever; a file over MAX_FILE_BYTES is refused before it is read."""
    import stat

    info = p.stat()
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(str(p))
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"the {what} path is not a regular file (a device, a pipe or a socket).",
            fix="save the input to a file and give its path.",
            where=Location(str(p)),
        )
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(
            f"the {what} file holds {info.st_size / 2**30:.1f} GiB, more than "
            f"{MAX_FILE_BYTES // 2**30} GiB.",
            fix="give a smaller file (e.g. fewer days of history: history sql --since-days).",
            where=Location(str(p)),
        )


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _not_csv(exc: csv.Error, what: str, where: Location) -> InputError:
    text = str(exc)
    if "unexpected end of data" in text:
        problem, fix = "a quoted cell is never closed", 'close the quote (") or remove it.'
    elif "field larger than field limit" in text:
        problem, fix = (
            f"a cell is longer than {csv.field_size_limit()} characters",
            ("check the file: no cell of this tool's inputs is that long."),
        )
    else:
        problem, fix = text, "save it as CSV (comma-separated, quotes doubled inside cells)."
    return InputError(f"the {what} file is not valid CSV: {problem}.", fix=fix, where=where)


def csv_rows(
    data: bytes, path: str, what: str
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header (stripped, lower-cased) and an iterator of (row number, cells); header is row 1."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the {what} file is not UTF-8 text (byte {exc.start}).",
            fix="save it as UTF-8 CSV.",
            where=Location(path),
        ) from exc
    # strict: a quote never closed is an error, not one cell swallowing the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"the {what} file is empty.", where=Location(path)) from None
    except csv.Error as exc:
        raise _not_csv(exc, what, Location(path, 1)) from None
    header = [h.strip().lower() for h in header]
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            raise InputError(
                f"column '{h}' appears twice in the header.",
                where=Location(path, 1, h),
                fix="remove one of them.",
            )
        seen.add(h)

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for cells in reader:
                number += 1
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > len(header):
                    raise InputError(
                        f"the row has {len(cells)} cells but the header has {len(header)} columns.",
                        fix="quote cells that contain commas.",
                        where=Location(path, number),
                    )
                cells = cells + [""] * (len(header) - len(cells))
                yield number, cells
        except csv.Error as exc:
            raise _not_csv(exc, what, Location(path, number + 1)) from None

    return header, rows()
