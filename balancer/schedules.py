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


DAY_S = 86_400


@lru_cache(maxsize=256)
def longest_gap_seconds(expr: str) -> int:
    """Longest gap in seconds between two runs (eight weeks or 1,000 runs from a fixed anchor):
    the wait a reader sees at worst, e.g. a weekday-only schedule's weekend."""
    it = croniter(expr, _ANCHOR)
    prev = it.get_next(datetime)
    worst = 0.0
    end = prev + timedelta(weeks=8)
    for _ in range(1_000):
        nxt = it.get_next(datetime)
        worst = max(worst, (nxt - prev).total_seconds())
        if nxt > end:
            break
        prev = nxt
    return int(worst)


@lru_cache(maxsize=256)
def runs_per_day(expr: str) -> float:
    """Average runs a day over four weeks from a fixed anchor (288 for '*/5 * * * *')."""
    it = croniter(expr, _ANCHOR - timedelta(microseconds=1))
    end = _ANCHOR + timedelta(weeks=4)
    count = 0
    while it.get_next(datetime) < end:
        count += 1
        if count > 28 * 1_440:
            break
    return count / 28


def is_batch(expr: str) -> bool:
    """A schedule that runs at most once a day: its pipelines have a batch window, not an SLA
    tied to the interval."""
    return min_interval_seconds(expr) >= DAY_S


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def describe(expr: str) -> str:
    """A cron in words when it is a common shape ('every 15 min', 'hourly at :30',
    'daily 06:00'), else the cron itself."""
    f = expr.split()
    if len(f) != 5:
        return expr
    minute, hour, dom, month, dow = f
    rest_free = dom == month == dow == "*"
    if rest_free and hour == "*" and minute in ("*", "*/1"):
        return "every minute"
    if rest_free and hour == "*" and minute.startswith("*/") and minute[2:].isdigit():
        return f"every {minute[2:]} min"
    if rest_free and hour == "*" and minute.isdigit():
        return "hourly" if minute == "0" else f"hourly at :{int(minute):02d}"
    if rest_free and minute.isdigit() and hour.startswith("*/") and hour[2:].isdigit():
        return f"every {hour[2:]} h"
    if minute.isdigit() and hour.isdigit():
        at = f"{int(hour):02d}:{int(minute):02d}"
        if rest_free:
            return f"daily {at}"
        if dom == month == "*" and dow.isdigit() and int(dow) < len(_DAYS):
            return f"weekly {_DAYS[int(dow)]} {at}"
        if month == dow == "*" and dom.isdigit():
            return f"monthly day {int(dom)} {at}"
    return expr
