"""5-field cron expressions: validation, default per ingestion type, and run interval.

Parsing is croniter's; this module adds the 5-field rule, messages a person can act on, and
the shortest gap between runs (what an SLA compares a pipeline's runtime with). Intervals are
computed from a fixed anchor, never from the clock, so plans stay reproducible.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from croniter import CroniterBadDateError, croniter

from balancer.model import DEFAULT_SCHEDULES

_ANCHOR = datetime(2024, 1, 1, tzinfo=timezone.utc)
_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def default_schedule(ingestion_type: str) -> str:
    return DEFAULT_SCHEDULES.get(ingestion_type, DEFAULT_SCHEDULES["unknown"])


class CronError(ValueError):
    """A cron field this tool does not take; the message says why."""


@dataclass(frozen=True)
class CronField:
    """One field of a 5-field cron: its name, values and the names its values may take."""

    name: str
    lo: int
    hi: int
    names: tuple[str, ...] = ()
    names_start: int = 0


MINUTE = CronField("minute", 0, 59)
HOUR = CronField("hour", 0, 23)
DAY_OF_MONTH = CronField("day-of-month", 1, 31)
MONTH = CronField("month", 1, 12, MONTHS, 1)
DAY_OF_WEEK = CronField("day-of-week", 0, 7, DAYS, 0)
CRON_FIELDS = (MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK)


def _value(text: str, f: CronField) -> int:
    upper = text.upper()
    if f.names and upper in f.names:
        return f.names.index(upper) + f.names_start
    if not text.isascii() or not text.isdigit():
        raise CronError(f"'{text[:20]}' is not a valid {f.name} value")
    v = int(text)
    if not f.lo <= v <= f.hi:
        raise CronError(f"{f.name} value {v} is outside {f.lo}-{f.hi}")
    return v


def expand(text: str, f: CronField) -> set[int]:
    """All values a Unix cron field selects (day-of-week 7 folded onto 0): the one grammar of
    crons, which validation and the Quartz conversion of render share. Numbers, names,
    '*', ranges, lists and steps; no 'L', 'W', '?', '#' or '@daily' (Quartz has no
    equivalent of every one, and a cron is checked where it is written: tables.csv, a flag)."""
    out: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"empty item in {f.name} field '{text[:40]}'")
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isascii() or not step_text.isdigit() or int(step_text) == 0:
                raise CronError(
                    f"step '{step_text[:20]}' in {f.name} field must be a whole number >= 1"
                )
            step = int(step_text)
        if base == "*":
            lo, hi = f.lo, (6 if f is DAY_OF_WEEK else f.hi)
        elif "-" in base:
            a, _, b = base.partition("-")
            lo, hi = _value(a, f), _value(b, f)
            if lo > hi:
                raise CronError(f"range {base} in {f.name} field runs backwards")
        else:
            lo = _value(base, f)
            hi = (6 if f is DAY_OF_WEEK else f.hi) if step_text else lo
        out.update(range(lo, hi + 1, step))
    if f is DAY_OF_WEEK:
        out = {v % 7 for v in out}
    return out


@lru_cache(maxsize=4096)
def cron_problem(expr: str) -> str | None:
    """Why `expr` is not a 5-field cron this tool can plan with and render as a Databricks
    (Quartz) schedule, or None when it is. The one validator of crons: tables.csv, the
    --schedule flags and plan.json all ask it, so a cron is refused where it was written.
    Cached: a catalog of 10,000 tables has a few distinct crons."""
    fields = expr.split()
    if len(fields) != 5:
        return (
            f"cron '{expr[:80]}' has {len(fields)} fields; it needs 5 "
            f"({' '.join(_FIELDS)}), e.g. '0 0 * * *'."
        )
    try:
        for text, f in zip(fields, CRON_FIELDS, strict=True):
            expand(text, f)
    except CronError as exc:
        return f"cron '{expr}' is not valid: {exc}."
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


DAY_S = 86_400


@dataclass(frozen=True)
class Rhythm:
    """How a schedule fires: its shortest and longest gap between runs, and runs a day."""

    min_gap_s: int
    max_gap_s: int
    runs_per_day: float


@lru_cache(maxsize=256)
def rhythm(expr: str) -> Rhythm:
    """Gaps over eight weeks and runs a day over four, from a fixed anchor (never the clock).

    Schedules with plain-number fields, every month, that run often are laid out day by day
    from croniter's expansion of the fields (fast: no iteration per run); anything else is
    walked with croniter (few runs), at most 1,000 of them."""
    fires = _laid_out(expr)
    if fires is None or len(fires) < 16:
        return _walked(expr)
    gaps = [b - a for a, b in itertools.pairwise(fires)]
    month = sum(1 for f in fires if f < 28 * DAY_S)
    return Rhythm(min(gaps), max(gaps), month / 28)


def _laid_out(expr: str) -> list[int] | None:
    """Every run in nine weeks from the anchor, in seconds after it; None when a field is
    not plain numbers (e.g. 'L') or the months are restricted (a yearly gap would not show)."""
    fields, _ = croniter.expand(expr)
    if any(v != "*" and not isinstance(v, int) for field in fields for v in field):
        return None
    if fields[3] != ["*"]:
        return None
    minutes, hours, doms, months, dows = ([] if "*" in f else [int(v) for v in f] for f in fields)
    offsets = sorted(h * 3600 + m * 60 for h in hours or range(24) for m in minutes or range(60))
    week_days = {d % 7 for d in dows}
    fires: list[int] = []
    for day in range(63):
        date = _ANCHOR + timedelta(days=day)
        if months and date.month not in months:
            continue
        on_dom = not doms or date.day in doms
        on_dow = not dows or (date.weekday() + 1) % 7 in week_days
        if (on_dom or on_dow) if (doms and dows) else (on_dom and on_dow):
            fires.extend(day * DAY_S + o for o in offsets)
    return fires


def _walked(expr: str) -> Rhythm:
    it = croniter(expr, _ANCHOR - timedelta(microseconds=1))
    first = prev = it.get_next(datetime)
    shortest, longest = float("inf"), 0.0
    runs_in_month = 1 if first < _ANCHOR + timedelta(weeks=4) else 0
    for _ in range(1_000):
        nxt = it.get_next(datetime)
        gap = (nxt - prev).total_seconds()
        shortest, longest = min(shortest, gap), max(longest, gap)
        runs_in_month += nxt < _ANCHOR + timedelta(weeks=4)
        if nxt > first + timedelta(weeks=8):
            break
        prev = nxt
    return Rhythm(int(shortest), int(longest), runs_in_month / 28)


def min_interval_seconds(expr: str) -> int:
    """Shortest gap in seconds between two runs (what an SLA compares a runtime with)."""
    return rhythm(expr).min_gap_s


def longest_gap_seconds(expr: str) -> int:
    """Longest gap in seconds between two runs: the wait a reader sees at worst, e.g. a
    weekday-only schedule's weekend."""
    return rhythm(expr).max_gap_s


def runs_per_day(expr: str) -> float:
    """Average runs a day (288 for '*/5 * * * *')."""
    return rhythm(expr).runs_per_day


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


def ranges_list(vals: list[int]) -> str:
    """Sorted field values as a list of ranges ('1-3,7'), the same in Unix cron and Quartz."""
    runs: list[list[int]] = []
    for v in vals:
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ",".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _unix_field(values: set[int], lo: int, hi: int) -> str:
    """A set of field values written back as Unix cron: '*', 'a-hi/step' or ranges."""
    vals = sorted(values)
    if vals == list(range(lo, hi + 1)):
        return "*"
    if len(vals) > 2:
        step = vals[1] - vals[0]
        if step > 1 and vals == list(range(vals[0], hi + 1, step)) and vals[0] < lo + step:
            return f"*/{step}" if vals[0] == lo else f"{vals[0]}-{hi}/{step}"
    return ranges_list(vals)


def shift_cron(expr: str, offset_min: int) -> str:
    """A cron that fires `offset_min` minutes after every fire time of `expr` (the cron itself
    at 0): how a staggered pipeline's start reaches its job's schedule. Minutes carry into the
    hour and hours into the next day; a day-of-week cron carried past midnight moves to the
    next day of the week. Raises CronError when no 5-field cron says it: the shifted times are
    not one minute field times one hour field (e.g. '*/15 8-17 * * *' + 20 min ends at 18:05
    but starts at 8:20), or a day-of-month or month cron would carry past midnight."""
    if offset_min == 0:
        return expr
    problem = cron_problem(expr)
    if problem:
        raise CronError(problem)
    if not 0 < offset_min < 7 * 1440:
        raise CronError(f"start offset {offset_min} min is not between 0 and a week")
    minute, hour, dom, month, dow = expr.split()
    shifted = {h * 60 + m + offset_min for h in expand(hour, HOUR) for m in expand(minute, MINUTE)}
    times = {t % 1440 for t in shifted}
    days = {t // 1440 for t in shifted}
    minutes, hours = {t % 60 for t in times}, {t // 60 for t in times}
    if len(minutes) * len(hours) != len(times):
        raise CronError(
            f"'{expr}' {offset_min} min later is no 5-field cron (its minutes differ by hour)"
        )
    every_day = (
        expand(dom, DAY_OF_MONTH) == set(range(1, 32))
        and expand(month, MONTH) == set(range(1, 13))
        and expand(dow, DAY_OF_WEEK) == set(range(7))
    )
    day_field = " ".join(
        (_unix_field(expand(dom, DAY_OF_MONTH), 1, 31), _unix_field(expand(month, MONTH), 1, 12))
    )
    week_days = expand(dow, DAY_OF_WEEK)
    if days != {0} and not every_day:
        if len(days) != 1 or day_field != "* *":
            raise CronError(
                f"'{expr}' {offset_min} min later crosses midnight on some of its days only, or "
                "on a day of the month; keep the start offset before midnight"
            )
        carry = min(days)
        week_days = {(d + carry) % 7 for d in week_days}
    return (
        f"{_unix_field(minutes, 0, 59)} {_unix_field(hours, 0, 23)} {day_field} "
        f"{_unix_field(week_days, 0, 6)}"
    )


def describe_start(expr: str, offset_min: int) -> str:
    """When a pipeline on `expr` started `offset_min` minutes after each trigger starts, in
    words: 'daily 00:17', else the schedule and its offset ('every 15 min +4 min')."""
    if not offset_min:
        return describe(expr)
    shifted = shift_cron(expr, offset_min)
    words = describe(shifted)
    return words if words != shifted else f"{describe(expr)} +{offset_min} min"
