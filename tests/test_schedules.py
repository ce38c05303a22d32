"""Cron validation and run intervals."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.cli import main
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


# Issue 18: one validator refuses exactly what cannot be rendered, where the cron is written.
QUARTZ_CANNOT = [
    ("0 0 L * *", "'L' is not a valid day-of-month value"),
    ("0 0 ? * *", "'?' is not a valid day-of-month value"),
    ("0 0 * * 5#3", "'5#3' is not a valid day-of-week value"),
    ("0 0 * * 5L", "'5L' is not a valid day-of-week value"),
    ("0 0 15W * *", "'15W' is not a valid day-of-month value"),
    ("0 0 LW * *", "'LW' is not a valid day-of-month value"),
    ("@daily", "1 fields"),
    ("0 ０ * * *", "not a valid hour value"),  # a full-width digit: isdigit() but not ASCII
    ("0 0 * * ²", "not a valid day-of-week value"),
    ("*/٣ * * * *", "step"),
    ("0 0 1-2-3 * *", "not a valid day-of-month value"),
    ("0 0 ,1 * *", "empty item"),
    ("0 0 * JAN-FOO *", "not a valid month value"),
    ("0 0 * * MON/0", "step '0'"),
]


@pytest.mark.parametrize(("cron", "words"), QUARTZ_CANNOT)
def test_what_quartz_cannot_say_is_refused_by_the_validator(cron: str, words: str) -> None:
    from render.quartz import CronError, to_quartz

    problem = cron_problem(cron)
    assert problem is not None and words in problem
    with pytest.raises(CronError):
        to_quartz(cron)


@pytest.mark.parametrize(("cron", "words"), QUARTZ_CANNOT[:4])
def test_the_refusal_names_the_tables_csv_row_and_column(
    tmp_path: Path, cron: str, words: str
) -> None:
    (tmp_path / "tables.csv").write_text(f"source_table,schedule\na,0 0 * * *\nb,{cron}\n")
    result = CliRunner().invoke(
        main, ["solve", "--tables", str(tmp_path / "tables.csv"), "-o", str(tmp_path / "p.json")]
    )
    assert result.exit_code == 2 and "row 3, column 'schedule'" in result.output
    assert words in result.output and not (tmp_path / "p.json").exists()


@pytest.mark.parametrize("flag", ["--schedule-snapshot", "--schedule-append", "--schedule-cdc"])
@pytest.mark.parametrize(("cron", "words"), QUARTZ_CANNOT[:3])
def test_the_refusal_names_the_schedule_flag(
    tmp_path: Path, flag: str, cron: str, words: str
) -> None:
    from tests.helpers import EXAMPLES

    tables = str(EXAMPLES / "osipi" / "tables.csv")
    result = CliRunner().invoke(
        main, ["solve", "--tables", tables, flag, cron, "-o", str(tmp_path / "p.json")]
    )
    assert result.exit_code == 2 and flag in result.output and words in result.output


_HOSTILE = st.sampled_from(
    ["?", "L", "W", "#", "LW", "5#3", "1W", "5L", "FOO", "", "７", "1-", "-1", "*/0", "1/x", "**"]
)


def _valid(low: int, high: int, names: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    value = st.integers(low, high).map(str) | st.sampled_from(names or ("*",))
    item = st.one_of(
        value,
        st.tuples(st.integers(low, high), st.integers(low, high)).map(
            lambda ab: f"{min(ab)}-{max(ab)}"
        ),
        st.tuples(st.sampled_from(["*", str(low), f"{low}-{high}"]), st.integers(1, 40)).map(
            lambda ab: f"{ab[0]}/{ab[1]}"
        ),
    )
    return st.just("*") | st.lists(item, min_size=1, max_size=3).map(",".join)


def _field(low: int, high: int, names: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """Mostly fields a cron may have, sometimes one with a token Quartz or cron lacks."""
    valid = _valid(low, high, names)
    hostile = st.tuples(valid, _HOSTILE).map(lambda ab: f"{ab[0]},{ab[1]}") | _HOSTILE
    return st.one_of(valid, valid, valid, hostile)


_CRONS = st.tuples(
    _field(0, 59),
    _field(0, 23),
    _field(1, 31),
    _field(1, 12, ("JAN", "jun", "DEC")),
    _field(0, 7, ("MON", "sun", "FRI")),
    st.sampled_from(["dom", "dow", "both"]),
).map(
    lambda f: " ".join(
        (*f[:2], "*" if f[5] == "dow" else f[2], f[3], "*" if f[5] == "dom" else f[4])
    )
)


@settings(max_examples=400, deadline=None)
@given(_CRONS | st.lists(_field(0, 59), min_size=4, max_size=6).map(" ".join))
def test_any_cron_the_validator_accepts_renders_and_has_a_rhythm(cron: str) -> None:
    from balancer.schedules import rhythm
    from render.quartz import to_quartz

    if cron_problem(cron) is None:
        assert to_quartz(cron).startswith("0 ")
        assert rhythm(cron).min_gap_s > 0
