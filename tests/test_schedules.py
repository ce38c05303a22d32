"""Cron validation and run intervals."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.schedules import cron_problem, min_interval_seconds


@pytest.mark.parametrize(
    ("expr", "interval"),
    [
        ("0 0 * * *", 86400),
        ("*/15 * * * *", 900),
        ("*/5 * * * *", 300),
        ("0 9 * * 1", 7 * 86400),
        ("0 0 * * 0", 7 * 86400),
        ("0 0 * * 7", 7 * 86400),
        ("0 6 * * MON-FRI", 86400),
        ("0 0 1,15 * *", 14 * 86400),
    ],
)
def test_valid_crons_and_their_shortest_gap(expr: str, interval: int) -> None:
    assert cron_problem(expr) is None
    assert min_interval_seconds(expr) == interval


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("99 99 * * *", "not valid"),
        ("0 0 31 2 *", "never fires"),
        ("0 0 1 * 1", "both day-of-month and day-of-week"),
        ("0 0 * *", "4 fields"),
        ("0 0 * * 8", "not valid"),
        ("0 0 * * * *", "6 fields"),
        ("", "0 fields"),
    ],
)
def test_invalid_crons_say_why(expr: str, words: str) -> None:
    problem = cron_problem(expr)
    assert problem is not None and words in problem


@settings(deadline=None, max_examples=25)
@given(st.integers(1, 59))
def test_every_n_minutes(n: int) -> None:
    expr = f"*/{n} * * * *"
    assert cron_problem(expr) is None
    last_in_hour = n * (59 // n)
    assert min_interval_seconds(expr) == 60 * min(n, 60 - last_in_hour)
