"""The values of a run, read one way by every history reader (runs.csv, Parquet, event-log
exports): times, numbers, statuses, and the window the runs of one history must lie in.

- Times are ISO-8601 (UTC when no offset), or timestamps of a Parquet file; each lies from
  EARLIEST to before LATEST, and every run lies within SPAN_DAYS of the history's newest
  run (a history is read on its own clock, never the machine's: plans stay reproducible).
- Durations are finite seconds from 0 to MAX_RUN_S; rows_written from 0 to MAX_ROWS;
  bytes_written from 0 to MAX_BYTES.
- Statuses: SUCCEEDED_STATUSES and FAILED_STATUSES (balancer.model) are the known ones; a
  run with any other status is counted as failed (it estimates nothing) and the reader says
  so in a warning, naming the statuses.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from balancer.errors import InputError, Location
from balancer.model import FAILED_STATUSES, SUCCEEDED_STATUSES

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)
SPAN_DAYS = 3653  # ten years
MAX_ROWS = 1e15
MAX_BYTES = 1e18
LIMITS = {
    "duration_s": "a week (604800 s): no run takes that long",
    "rows_written": "10^15 rows, more than one run writes",
    "bytes_written": "10^18 bytes, more than one run writes",
}
WINDOW_RULE = (
    f"runs must start from {EARLIEST:%Y-%m-%d} to before {LATEST:%Y-%m-%d}, all within ten "
    f"years ({SPAN_DAYS} days) of the history's newest run"
)


class Epoch(float):
    """Epoch seconds converted from a Parquet timestamp (not text to parse)."""


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _when(seconds: float) -> str:
    try:
        moment = datetime.fromtimestamp(round(seconds), timezone.utc)
        return moment.isoformat().replace("+00:00", "Z")
    except (OverflowError, ValueError, OSError):
        return f"in about the year {1970 + seconds / 31_556_952:.0f}"


def iso_seconds(value: Any, where: Location) -> float:
    """A time (ISO-8601, UTC when it has no offset; or a Parquet timestamp) as epoch
    seconds, within the window of WINDOW_RULE; InputError naming `where` if not."""
    if isinstance(value, Epoch):
        seconds = float(value)
    else:
        text = str(value).strip() if value is not None else ""
        if not text:
            raise InputError(
                "the time is empty.",
                fix="write an ISO-8601 time such as 2026-01-31T12:00:00Z.",
                where=where,
            )
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=timezone.utc)
            seconds = dt.timestamp()
        except (ValueError, OverflowError):
            raise InputError(
                f"'{str(value)[:80]}' is not an ISO-8601 time.",
                fix="write it like 2026-01-31T12:00:00Z (UTC when no offset).",
                where=where,
            ) from None
    if not EARLIEST.timestamp() <= seconds < LATEST.timestamp():
        raise InputError(
            f"the time {_when(seconds)} is outside the years a run can have: {WINDOW_RULE}.",
            fix="check the clock of the export (and the time unit of a Parquet timestamp).",
            where=where,
        )
    return seconds


def number(value: Any, where: Location, high: float, limit: str) -> float | None:
    """A finite number from 0 to `high`, which `limit` names (None when the cell is empty)."""
    if not _present(value):
        return None
    if isinstance(value, bool):
        raise InputError(f"{value!r} is true/false, not a number.", where=where)
    if isinstance(value, int | float):
        result = float(value)
    else:
        try:
            result = float(str(value).strip())
        except (ValueError, OverflowError):
            raise InputError(
                f"'{str(value)[:80]}' is not a number.",
                fix="write a plain number such as 12.5.",
                where=where,
            ) from None
    if not math.isfinite(result):
        raise InputError(
            f"'{value}' is not a finite number.", fix="write a plain number.", where=where
        )
    if result < 0:
        raise InputError(f"{result:g} is negative.", fix="write a number >= 0.", where=where)
    if result > high:
        raise InputError(
            f"{result:g} is more than {limit}.",
            fix="check the column: durations are seconds, counts are whole rows or bytes.",
            where=where,
        )
    return result


def check_window(starts: Sequence[float], rows: Sequence[int], path: str, column: str) -> None:
    """Refuse a history whose runs do not lie within SPAN_DAYS of its newest (naming the
    row of the oldest run and the row of the newest)."""
    if not starts:
        return
    newest = max(range(len(starts)), key=lambda k: starts[k])
    oldest = min(range(len(starts)), key=lambda k: starts[k])
    gap_days = (starts[newest] - starts[oldest]) / 86_400
    if gap_days > SPAN_DAYS:
        raise InputError(
            f"this run starts {_when(starts[oldest])}, {gap_days / 365.25:.0f} years before "
            f"the newest run ({_when(starts[newest])}, row {rows[newest]}): {WINDOW_RULE}.",
            fix="check the clock of the export, or keep only the recent runs.",
            where=Location(path, rows[oldest], column),
        )


def status_warnings(statuses: Iterable[str], path: str) -> list[str]:
    """A warning naming the statuses no reader knows (their runs count as failed)."""
    unknown = Counter(
        s for s in statuses if s not in SUCCEEDED_STATUSES and s not in FAILED_STATUSES
    )
    if not unknown:
        return []
    shown = ", ".join(f"{s[:40]!r} x{n}" for s, n in sorted(unknown.items())[:5])
    return [
        f"{path}: {sum(unknown.values())} run(s) have a status this tool does not know "
        f"({shown}{', ...' if len(unknown) > 5 else ''}); they are counted as failed and not "
        f"used for estimates. Known: {', '.join(sorted(SUCCEEDED_STATUSES - {''}))} "
        "(succeeded) and the failed or unfinished states of Databricks (FAILED, CANCELED, ...)."
    ]
