"""5-field cron expressions: validation, default per ingestion type, and run interval.

Parsing is croniter's; this module adds the 5-field rule, messages a person can act on, and
the shortest gap between runs (what an SLA compares a pipeline's runtime with). Intervals are
computed from a fixed anchor, never from the clock, so plans stay reproducible.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

from croniter import CroniterBadDateError, croniter

from balancer.model import DEFAULT_SCHEDULES

_ANCHOR = datetime(2024, 1, 1, tzinfo=timezone.utc)
_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")


def default_schedule(ingestion_type: str) -> str:
    return DEFAULT_SCHEDULES.get(ingestion_type, DEFAULT_SCHEDULES["unknown"])


def cron_problem(expr: str) -> str | None:
    """Why `expr` is not a valid 5-field cron, or None when it is."""
    fields = expr.split()
    if len(fields) != 5:
        return (
            f"cron '{expr}' has {len(fields)} fields; it needs 5 "
            f"({' '.join(_FIELDS)}), e.g. '0 0 * * *'."
        )
    if fields[2] != "*" and fields[4] != "*":
        return (
            f"cron '{expr}' restricts both day-of-month and day-of-week; cron runs when either "
            "matches, which a Databricks job schedule (Quartz) cannot express."
        )
    try:
        croniter(expr, _ANCHOR).get_next(datetime)
    except CroniterBadDateError:
        return f"cron '{expr}' never fires (no such date)."
    except (ValueError, KeyError) as exc:
        return f"cron '{expr}' is not valid: {exc}."
    return None


def normalize(expr: str) -> str:
    """Single spaces between fields: equal schedules compare equal."""
    return " ".join(expr.split())


@lru_cache(maxsize=256)
def min_interval_seconds(expr: str) -> int:
    """Shortest gap in seconds between two runs (eight weeks or 1,000 runs from a fixed anchor)."""
    it = croniter(expr, _ANCHOR)
    prev = it.get_next(datetime)
    best = float("inf")
    end = prev + timedelta(weeks=8)
    for _ in range(1_000):
        nxt = it.get_next(datetime)
        best = min(best, (nxt - prev).total_seconds())
        if nxt > end:
            break
        prev = nxt
    return int(best)
