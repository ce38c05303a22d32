"""The plan table at 90 columns: every key, schedule and figure whole (folded onto a second
line, never cut with an ellipsis), no line wider than the terminal; at full width one line per
pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from balancer.analysis.plan_table import pipelines_table
from balancer.io.plan_check import read_plan
from balancer.model import Plan
from balancer.plan_metrics import plan_metrics
from balancer.schedules import describe
from balancer.terminal import console
from balancer.units import format_duration
from tests.helpers import EXAMPLES, plan_of, table
from tests.test_schedule_fit_defaults import solve


def _printed(plan: Plan, width: int) -> str:
    out = console(width)
    out.width = width
    with out.capture() as cap:
        out.print(pipelines_table(plan, width=width))
    text: str = cap.get()
    return text


def _column(text: str, name: str, after: str) -> str:
    """A folded column joined back: from where its header starts to where the next one's
    (`after`) starts."""
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("pipeline"))
    start, end = header.index(name), header.index(after)
    return "".join(line[start:end].replace(" ", "") for line in lines)


def _check(plan: Plan, width: int) -> None:
    text = _printed(plan, width)
    assert "…" not in text
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    for p in plan.pipelines:
        assert p.key in _column(text, "pipeline", "schedule")
        assert describe(p.schedule).replace(" ", "") in _column(text, "schedule", "tbls")
    for pm in plan_metrics(plan).pipelines:
        for seconds in (pm.p50_runtime_s, pm.p90_runtime_s, pm.compute_s_per_day):
            assert format_duration(seconds) in text


@pytest.mark.parametrize("example", ["osipi", "github", "hubspot"])
@pytest.mark.parametrize("width", [90, 140])
def test_example_plans_fit_the_terminal(example: str, width: int, tmp_path: Path) -> None:
    code, output, plan_path = solve(example, tmp_path)
    assert code == 0, output
    _check(read_plan(plan_path), width)


def test_long_keys_and_schedules_fold_at_90_columns() -> None:
    tables = [
        table(f"a_very_long_table_name_of_a_connector_{i:02d}", 50.0 + i, schedule="15 3 * * 1-5")
        for i in range(6)
    ]
    plan = plan_of(tables, name="a_connector_with_a_long_name_indeed")
    _check(plan, 90)


def test_full_width_is_one_line_per_pipeline(tmp_path: Path) -> None:
    code, output, plan_path = solve("hubspot", tmp_path)
    assert code == 0, output
    plan = read_plan(plan_path)
    text = _printed(plan, 140)
    for p in plan.pipelines:
        assert any(p.key in line and describe(p.schedule) in line for line in text.splitlines())


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (45, "45s"),
        (59.6, "1m 00s"),
        (995, "16m 35s"),
        (3599, "59m 59s"),
        (3600, "1h 00m"),
        (3720, "1h 02m"),
        (14_400, "4h 00m"),
        (118_098, "32h 48m"),
        (-40_896, "-11h 22m"),
    ],
)
def test_one_duration_format(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


def test_examples_folder_is_there() -> None:
    assert (EXAMPLES / "hubspot" / "runs.csv").is_file()


@pytest.mark.parametrize("width", [90, 140])
def test_explain_fits_the_terminal(width: int, tmp_path: Path) -> None:
    from balancer.analysis.explain import explain
    from balancer.analysis.explain_view import print_explanation

    code, output, plan_path = solve("osipi", tmp_path)
    assert code == 0, output
    out = console(width)
    out.width = width
    with out.capture() as cap:
        print_explanation(explain(read_plan(plan_path), "pi_points"), out)
    text = cap.get()
    last = read_plan(plan_path).pipelines[-1].key  # every pipeline is a row, the last too
    assert "…" not in text and last in text
    table = text[text.index("moving pi_points") :]
    assert max(len(line.rstrip()) for line in table.splitlines()) <= width
