"""Settings check their own invariants (ranges, enums, finite numbers) on construction; the
CLI's options read the same declarations, so both refuse a bad value in the same words."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from balancer.cli import main
from balancer.errors import InputError
from balancer.limits import setting_problem
from balancer.model import Settings
from tests.helpers import EXAMPLES

BAD = [
    ("pipelines_min", 0, "0 must be >= 1"),
    ("time_limit_s", math.nan, "nan is not a finite number"),
    ("time_limit_s", 0, "0 must be > 0"),
    ("group_by", "bogus", "'bogus' is not one of none, ingestion_type"),
    ("objective", "fastest", "'fastest' is not one of balanced"),
    ("overhead_s", "60", "'60' is not a number"),
    ("overhead_s", 1.5, "1.5 is not a whole number"),
    ("half_life_days", 0, "0 must be > 0"),
    ("concurrency", 0, "0 must be >= 1"),
    ("k_tolerance", math.inf, "inf is not a finite number"),
    ("max_tables_per_pipeline", 1001, "1001 must be <= 1000"),
    ("sla_headroom", -1, "-1 must be > 0"),
    ("allow_mixed_schedules", "yes", "'yes' is not true or false"),
    ("name", "", "it is empty"),
    ("seed", -1, "-1 must be >= 0"),
]


@pytest.mark.parametrize(("field", "value", "words"), BAD)
def test_a_bad_setting_is_refused_by_the_type_itself(field: str, value: Any, words: str) -> None:
    with pytest.raises(InputError, match=f"setting {field}.*{words}"):
        Settings(**{field: value})


def test_pipelines_max_below_min_is_refused() -> None:
    with pytest.raises(InputError, match="pipelines_max \\(3\\) is below pipelines_min"):
        Settings(pipelines_min=5, pipelines_max=3)


CLI = [
    ("k_tolerance", ["--k-tolerance", "11"], 11.0),
    ("overhead_s", ["--overhead", "-1"], -1),
    ("max_tables_per_pipeline", ["--max-tables-per-pipeline", "0"], 0),
    ("sla_headroom", ["--sla-headroom", "0"], 0.0),
    ("price_per_hour", ["--price-per-hour", "-2"], -2.0),
    ("time_limit_s", ["--time-limit", "0"], 0.0),
    ("seed", ["--seed", "-3"], -3),
]


@pytest.mark.parametrize(("field", "args", "value"), CLI)
def test_the_cli_and_the_python_api_say_the_same(field: str, args: list[str], value: Any) -> None:
    result = CliRunner().invoke(
        main, ["solve", "--history", str(EXAMPLES / "osipi" / "runs.csv"), "-q", *args]
    )
    problem = setting_problem(Settings.bound(field), value)
    assert result.exit_code == 2 and problem and problem in result.output, result.output
    with pytest.raises(InputError) as info:
        Settings(**{field: value})
    assert problem in str(info.value)


def test_every_cli_default_is_the_settings_default() -> None:
    from balancer.cli.solve import solve

    params = {p.name: p.default for p in solve.params if not getattr(p, "is_flag", False)}
    params.pop("concurrency")  # 'auto': from history, else the Settings default
    for f in dataclasses.fields(Settings):
        if f.name in params and params[f.name] is not None:
            assert params[f.name] == f.default, f.name


@given(
    st.dictionaries(
        st.sampled_from([f.name for f in dataclasses.fields(Settings)]),
        st.one_of(
            st.none(), st.booleans(), st.integers(-5, 2000), st.floats(), st.text(max_size=5)
        ),
        max_size=4,
    )
)
def test_a_settings_that_exists_is_valid(values: dict[str, Any]) -> None:
    try:
        settings = Settings(**values)
    except InputError:
        return
    for f in dataclasses.fields(settings):
        assert setting_problem(f.metadata["bound"], getattr(settings, f.name)) is None
    assert settings.pipelines_min <= settings.pipelines_max


@pytest.mark.parametrize(
    ("text", "seconds", "refusal"),
    [
        ("4h", 14_400, None),
        ("90m", 5_400, None),
        ("1d", 86_400, None),
        ("3600", 3_600, None),
        ("7d", 604_800, None),
        ("8d", None, "is longer than a week"),
        ("9" * 400, None, "is longer than a week"),  # infinite as a float: never rounded
        ("1" + "0" * 330 + "h", None, "is longer than a week"),
        ("0.1s", None, "is not a duration"),
        ("4 hours", None, "is not a duration"),
        ("", None, "is not a duration"),
    ],
)
def test_durations_parse_or_are_refused_with_a_message(
    text: str, seconds: int | None, refusal: str | None
) -> None:
    from balancer.cli.planning_options import parse_duration
    from balancer.errors import InputError

    if refusal is None:
        assert parse_duration(text, "--batch-window") == seconds
        return
    with pytest.raises(InputError) as caught:
        parse_duration(text, "--batch-window")
    assert refusal in str(caught.value.problem)
