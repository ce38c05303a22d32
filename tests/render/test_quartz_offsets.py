"""A staggered start in the job's schedule: `to_quartz(cron, offset)` fires `offset` minutes
after every time the cron fires, checked against croniter's fire times shifted by the offset
over a week (the Quartz side by the matcher of test_quartz), and refused with a reason where
no job schedule can say it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from croniter import croniter
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from balancer.schedules import cron_problem, describe_start, min_interval_seconds, shift_cron
from render.quartz import CronError, to_quartz
from tests.render.test_quartz import START, dows, hours, minutes, quartz_fires

WEEK = timedelta(days=7)
USUAL = (
    *("0 0 * * *", "30 6 * * *", "45 23 * * *", "0 * * * *", "*/15 * * * *", "*/5 * * * *"),
    *("0 */4 * * *", "15 2 * * 1", "0 9 * * MON-FRI"),
)


@pytest.mark.parametrize(
    ("cron", "offset", "quartz"),
    [
        ("0 0 * * *", 0, "0 0 0 * * ?"),
        ("0 0 * * *", 17, "0 17 0 * * ?"),
        ("0 0 * * *", 90, "0 30 1 * * ?"),
        ("*/15 * * * *", 4, "0 4/15 * * * ?"),
        ("*/5 * * * *", 3, "0 3/5 * * * ?"),
        ("0 * * * *", 30, "0 30 * * * ?"),
        ("0 */6 * * *", 130, "0 10 2/6 * * ?"),
        ("50 23 * * *", 20, "0 10 0 * * ?"),  # into the next day: every day, so the same days
        ("50 23 * * 1", 20, "0 10 0 ? * 3"),  # Monday 23:50 + 20 min is Tuesday 00:10
        ("50 23 * * 6", 20, "0 10 0 ? * 1"),  # Saturday into Sunday
        ("30 22 * * MON-FRI", 120, "0 30 0 ? * 3-7"),
        ("0 6 1 * *", 45, "0 45 6 1 * ?"),  # a monthly run shifted within its day
    ],
)
def test_offsets(cron: str, offset: int, quartz: str) -> None:
    assert to_quartz(cron, offset) == quartz
    assert_shifted(cron, offset, quartz)


@pytest.mark.parametrize(
    ("cron", "offset", "reason"),
    [
        ("*/15 8-17 * * *", 20, "minutes differ by hour"),  # 8:20 .. 18:05
        ("0 12,23 * * 1", 70, "crosses midnight"),  # only the 23:00 run moves to Tuesday
        ("50 23 1 * *", 20, "crosses midnight"),  # day 1 + 1 is not always day 2
        ("50 23 * JAN *", 20, "crosses midnight"),  # 31 Jan + 1 day is in February
        ("0 0 * * *", -1, "not between 0 and a week"),
    ],
)
def test_offsets_no_job_schedule_can_say_are_refused(cron: str, offset: int, reason: str) -> None:
    with pytest.raises(CronError, match=reason):
        to_quartz(cron, offset)


def test_a_start_in_words() -> None:
    assert describe_start("0 0 * * *", 17) == "daily 00:17"
    assert describe_start("0 0 * * *", 0) == "daily 00:00"
    assert describe_start("*/15 * * * *", 4) == "every 15 min +4 min"
    assert describe_start("0 * * * *", 30) == "hourly at :30"


def fires(cron: str, start: datetime, end: datetime) -> list[datetime]:
    it = croniter(cron, start - timedelta(minutes=1))
    out = []
    while (t := it.get_next(datetime)) < end:
        out.append(t)
    return out


def assert_shifted(cron: str, offset: int, quartz: str) -> None:
    """Over a week: the Quartz expression fires at exactly the cron's times plus `offset`
    (every minute of the shifted week checked), and the shifted cron croniter reads agrees."""
    shift = timedelta(minutes=offset)
    expected = [t + shift for t in fires(cron, START, START + WEEK)]
    minute, ours = START + shift, []
    while minute < START + WEEK + shift:
        if quartz_fires(quartz, minute):
            ours.append(minute)
        minute += timedelta(minutes=1)
    assert ours == expected
    assert fires(shift_cron(cron, offset), START + shift, START + WEEK + shift) == expected


@settings(max_examples=60, deadline=None)
@given(minutes, hours, dows, st.integers(0, 7 * 1440 - 1))
def test_any_offset_within_the_interval_shifts_every_fire_time(
    m: str, h: str, dow: str, raw_offset: int
) -> None:
    """Any cron (day-of-week or every day) and any offset before its next trigger: either the
    Quartz schedule fires at the shifted times, or the shift is refused with a CronError."""
    cron = f"{m} {h} * * {dow}"
    assume(cron_problem(cron) is None)
    offset = raw_offset % max(1, min_interval_seconds(cron) // 60)
    try:
        quartz = to_quartz(cron, offset)
    except CronError:
        assume(False)
        return
    assert_shifted(cron, offset, quartz)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(USUAL),
    st.integers(0, 7 * 1440),
)
def test_the_usual_schedules_take_every_offset_before_their_next_trigger(
    cron: str, raw_offset: int
) -> None:
    """The shapes the planner staggers (daily, hourly, every N minutes or hours, weekly,
    weekdays) never refuse an offset that stays before the next trigger."""
    offset = raw_offset % (min_interval_seconds(cron) // 60)
    assert_shifted(cron, offset, to_quartz(cron, offset))
