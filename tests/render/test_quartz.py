"""Cron to Quartz: a table of cases, rejections with reasons, and a check of fire times.

The fire times of each Unix cron come from croniter; the Quartz side is evaluated by a
small matcher written here from the Quartz rules (seconds first, day-of-week 1-7 with
Sunday 1, '?' for no value), so the conversion is checked against a library, not only
against expectations.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from croniter import croniter
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from balancer.schedules import cron_problem
from render.quartz import CronError, to_quartz

START = datetime(2024, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("cron", "quartz"),
    [
        ("0 9 * * 1", "0 0 9 ? * 2"),
        ("0 0 * * 0", "0 0 0 ? * 1"),
        ("0 0 * * 7", "0 0 0 ? * 1"),
        ("0 0 1 * *", "0 0 0 1 * ?"),
        ("*/15 * * * *", "0 0/15 * * * ?"),
        ("0 6 * * MON-FRI", "0 0 6 ? * 2-6"),
        ("0 0 1,15 * *", "0 0 0 1,15 * ?"),
        ("*/5 * * * *", "0 0/5 * * * ?"),
        ("0 0 * * *", "0 0 0 * * ?"),
        ("0 */2 * * *", "0 0 0/2 * * ?"),
        ("30 3 * JAN,JUL *", "0 30 3 * 1,7 ?"),
        ("0 0 * * 5-7", "0 0 0 ? * 1,6-7"),
        ("0 0 * * SUN,SAT", "0 0 0 ? * 1,7"),
        ("15 10 * * sun", "0 15 10 ? * 1"),
    ],
)
def test_cases(cron: str, quartz: str) -> None:
    assert to_quartz(cron) == quartz
    assert_same_fire_times(cron, quartz)


@pytest.mark.parametrize(
    ("cron", "reason"),
    [
        ("99 99 * * *", "minute value 99 is outside 0-59"),
        ("0 0 * *", "has 4 fields"),
        ("0 0 * * 8", "day-of-week value 8 is outside 0-7"),
        ("0 0 1 * 1", "restricts both day-of-month and day-of-week"),
        ("0 0 * * FRI-MON", "runs backwards"),
        ("*/0 * * * *", "step '0'"),
        ("0 0 * FOO *", "'FOO' is not a valid month"),
    ],
)
def test_bad_crons_are_rejected_with_the_reason(cron: str, reason: str) -> None:
    with pytest.raises(CronError, match=reason):
        to_quartz(cron)


def _quartz_field(field: str, value: int, lo: int, hi: int) -> bool:
    if field in ("*", "?"):
        return True
    for part in field.split(","):
        base, slash, step_text = part.partition("/")
        step = int(step_text) if slash else 1
        if base == "*":
            a, b = lo, hi
        elif "-" in base:
            a, b = (int(x) for x in base.split("-"))
        else:
            a = int(base)
            b = hi if slash else a
        if a <= value <= b and (value - a) % step == 0:
            return True
    return False


def quartz_fires(expr: str, when: datetime) -> bool:
    sec, minute, hour, dom, month, dow = expr.split()
    assert (dom == "?") != (dow == "?"), "exactly one day field is '?'"
    quartz_dow = when.isoweekday() % 7 + 1
    return (
        _quartz_field(sec, 0, 0, 59)
        and _quartz_field(minute, when.minute, 0, 59)
        and _quartz_field(hour, when.hour, 0, 23)
        and _quartz_field(dom, when.day, 1, 31)
        and _quartz_field(month, when.month, 1, 12)
        and _quartz_field(dow, quartz_dow, 1, 7)
    )


def assert_same_fire_times(cron: str, quartz: str, days: int = 35) -> None:
    end = START + timedelta(days=days)
    it = croniter(cron, START - timedelta(minutes=1))
    unix = []
    while (t := it.get_next(datetime)) < end:
        unix.append(t)
    minute = START
    ours = []
    while minute < end:
        if quartz_fires(quartz, minute):
            ours.append(minute)
        minute += timedelta(minutes=1)
    assert ours == unix


def _field(values: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just("*"),
        st.sampled_from(values),
        st.lists(st.sampled_from(values), min_size=2, max_size=3, unique=True).map(",".join),
    )


minutes = st.one_of(_field(["0", "5", "30", "59"]), st.sampled_from(["*/10", "*/15", "5-20/5"]))
hours = st.one_of(_field(["0", "6", "13", "23"]), st.sampled_from(["*/6", "8-17", "*/5"]))
doms = _field(["1", "15", "28", "31"])
months = _field(["1", "FEB", "6", "12"])
dows = st.one_of(
    _field(["0", "1", "3", "6", "7", "MON", "SUN"]),
    st.sampled_from(["1-5", "MON-FRI", "*/2", "5-7"]),
)


@settings(max_examples=40, deadline=None)
@given(minutes, hours, st.booleans(), doms, months, dows)
def test_random_crons_fire_at_the_same_minutes(
    m: str, h: str, by_dow: bool, dom: str, month: str, dow: str
) -> None:
    cron = f"{m} {h} {'*' if by_dow else dom} {month} {dow if by_dow else '*'}"
    assume(cron_problem(cron) is None)  # e.g. '31 FEB' never fires and is rejected earlier
    assert_same_fire_times(cron, to_quartz(cron), days=20)
