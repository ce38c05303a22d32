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


def _field(low: int, high: int) -> st.SearchStrategy[str]:
    number = st.integers(low, high)
    return st.one_of(
        st.just("*"),
        st.integers(2, max(2, (high - low) // 2)).map(lambda n: f"*/{n}"),
        number.map(str),
        st.tuples(number, number).map(lambda ab: f"{min(ab)}-{max(ab)}"),
        st.lists(number, min_size=2, max_size=4, unique=True).map(
            lambda xs: ",".join(map(str, sorted(xs)))
        ),
    )


@settings(max_examples=150, deadline=None)
@given(_field(0, 59), _field(0, 23), st.sampled_from(["*", "1", "1,15", "10-20"]), _field(0, 6))
def test_laid_out_rhythm_matches_walking_the_cron(
    minute: str, hour: str, dom: str, dow: str
) -> None:
    """The fast day-by-day layout gives the same gaps and runs a day as walking croniter."""
    from balancer.schedules import _walked, rhythm

    if dom != "*" and dow != "*":
        dow = "*"  # both restricted is refused by cron_problem
    expr = f"{minute} {hour} {dom} * {dow}"
    rhythm.cache_clear()
    fast, walked = rhythm(expr), _walked(expr)
    assert fast.min_gap_s == walked.min_gap_s
    if fast.runs_per_day * 63 < 1_000:  # the walk stops after 1,000 runs: it saw it all
        assert fast == walked
