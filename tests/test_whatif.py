"""What-if scenarios, the comparison table, the CLI and the public API."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import balancer
from balancer.analysis.whatif import NewTable, Scenario, WhatIf, apply
from balancer.cli import main
from balancer.errors import InputError
from balancer.history.estimator import for_schedule
from balancer.io.plan_check import read_plan
from balancer.model import Settings
from tests.helpers import EXAMPLES, catalog, table

OSIPI = EXAMPLES / "osipi"


def base() -> WhatIf:
    tables = [
        table("snap", 100, category="a", ingestion_type="snapshot"),
        table("inc", 100, category="a", ingestion_type="append", schedule="*/15 * * * *"),
        table("cdc", 50, category="b", ingestion_type="cdc", schedule="*/15 * * * *"),
    ]
    return WhatIf(catalog(tables), None, Settings(overhead_s=0, workers=1, time_limit_s=2.0))


def costs(scenario: Scenario) -> dict[str, float]:
    b = base()
    _, estimates = apply(scenario, b.catalog.tables, b.history, b.settings)
    return {k: e.seconds for k, e in estimates.items()}


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (Scenario("nothing"), {"snap": 100, "inc": 100, "cdc": 50}),
        (Scenario("grow", growth=1.5), {"snap": 150, "inc": 150, "cdc": 75}),
        (Scenario("grow a", category_growth={"a": 2.0}), {"snap": 200, "inc": 200, "cdc": 50}),
        # every 30 minutes instead of 15: a weight has no known fixed part, so its upper bound
        # (estimator.at_interval): twice the data per run, and no less at a shorter interval
        (Scenario("slower", schedules={"a": "*/30 * * * *"}), {"snap": 100, "inc": 200, "cdc": 50}),
        (
            Scenario("one table", schedules={"cdc": "*/5 * * * *"}),
            {"snap": 100, "inc": 100, "cdc": 50},
        ),
    ],
)
def test_scenarios_change_costs(scenario: Scenario, expected: dict[str, float]) -> None:
    assert costs(scenario) == pytest.approx(expected, abs=0.01)


def test_add_remove_pin_and_cap() -> None:
    b = base()
    plan = b.run(
        Scenario(
            "s",
            pipelines=3,
            add_tables=(NewTable("extra", "snapshot", weight=70),),
            remove_tables=("cdc",),
            pins={"snap": "hot"},
            max_tables_per_pipeline=1,
        )
    )
    where = plan.pipeline_of()
    assert set(where) == {"snap", "inc", "extra"} and where["snap"] == "hot"
    assert max(len(p.tables) for p in plan.pipelines) == 1


def test_rows_based_hypothetical_table_uses_similar_tables() -> None:
    b = WhatIf.load(OSIPI / "tables.csv", OSIPI / "runs.csv")
    _, estimates = apply(
        Scenario("s", add_tables=(NewTable("pi_new", "append", "time_series", rows=10_000),)),
        b.catalog.tables,
        b.history,
        b.settings,
    )
    assert estimates["pi_new"].source == "similar" and estimates["pi_new"].seconds > 0


@pytest.mark.parametrize(
    ("scenario", "words"),
    [
        (Scenario("s", remove_tables=("ghost",)), "removes unknown tables"),
        (Scenario("s", add_tables=(NewTable("snap", weight=1),)), "exists already"),
        (Scenario("s", add_tables=(NewTable("x"),)), "needs a weight"),
        (
            Scenario("s", schedules={"nope": "0 0 * * *"}),
            "neither a table, a category nor an ingestion type",
        ),
        (Scenario("s", schedules={"a": "every day"}), "fields"),
    ],
)
def test_bad_scenarios_say_why(scenario: Scenario, words: str) -> None:
    with pytest.raises(InputError, match=words):
        costs(scenario)


ADDED_NAMES = [
    ("a.b", "period"),
    ("a b", "space"),
    ("a/b", "slash"),
    ("x" * 256, "256 characters"),
    ("", "empty"),
    ("a\x00b", "NUL"),
    ("SNAP", "differ only in case"),  # the base's 'snap'
    ("Snap", "--add-table 'Snap' and source_table 'snap'"),  # names both
    ("cafe\u0301", ""),  # apart from every base table: accepted
]


@pytest.mark.parametrize(("name", "words"), ADDED_NAMES)
def test_added_tables_follow_the_unity_catalog_rules(name: str, words: str) -> None:
    scenario = Scenario("s", add_tables=(NewTable(name, weight=5),))
    if not words:
        assert name in costs(scenario)
        return
    with pytest.raises(InputError) as info:
        costs(scenario)
    assert words in str(info.value) and info.value.where.column in ("--add-table", "source_table")


def test_added_tables_unity_catalog_cannot_tell_apart_are_refused_together() -> None:
    twins = (NewTable("new_t", weight=5), NewTable("NEW_T", weight=5))
    with pytest.raises(InputError, match=r"'NEW_T' and --add-table 'new_t'"):
        costs(Scenario("s", add_tables=twins))


def test_sweep_and_compare() -> None:
    b = WhatIf.load(OSIPI / "tables.csv", OSIPI / "runs.csv", time_limit_s=2.0)
    plans = b.sweep_pipelines(range(3, 6))
    table = balancer.compare(plans, base_plan=plans["K=5"])
    assert list(table.index) == ["K=3", "K=4", "K=5"]
    assert list(table["pipelines"]) == [3, 4, 5]
    assert table.loc["K=5", "moves_vs_base"] == 0
    assert table["makespan_s"].is_monotonic_decreasing
    assert {"makespan_s", "lower_bound_s", "spread_s", "runtimes_s", "moves_vs_base"} <= set(
        table.columns
    )


def test_cli_prints_and_writes_csv_and_html(tmp_path: Path) -> None:
    out_csv, out_html, charts = tmp_path / "cmp.csv", tmp_path / "r.html", tmp_path / "charts"
    result = CliRunner().invoke(
        main,
        [
            "whatif",
            "--history",
            str(OSIPI / "runs.csv"),
            "--sweep-pipelines",
            "3..5",
            "--growth",
            "1.02",
            "--schedule",
            "time_series=*/30 * * * *",
            "--add-table",
            "pi_new:snapshot:600",
            "--remove-table",
            "pi_links",
            "--csv",
            str(out_csv),
            "--html",
            str(out_html),
            "--charts-dir",
            str(charts),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "scenario" in result.output and "K=3" in result.output
    lines = out_csv.read_text().splitlines()
    assert lines[0].startswith("scenario,pipelines,makespan_s") and len(lines) == 6
    page = out_html.read_text()
    assert page.count("data:image/png;base64,") == 5 and "<table" in page
    assert sorted(p.name for p in charts.iterdir()) == [  # an output folder, with its manifest
        ".lakeflow-balancer-files.json",
        "before_after.png",
        "makespan_vs_k.png",
        "pipelines.png",
        "scenario.png",
        "tradeoff.png",
    ]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--add-table", "x:snapshot"], "NAME:INGESTION_TYPE"),
        (["--pin", "nokey"], "KEY=VALUE"),
        (["--add-table", "x:snapshot:lots"], "not a number"),
        (["--add-table", "a.b:snapshot:10"], "period"),
        (["--add-table", "PI_POINTS:snapshot:10"], "one table to Unity Catalog"),
    ],
)
def test_cli_bad_scenarios_exit_2(args: list[str], words: str) -> None:
    result = CliRunner().invoke(
        main, ["whatif", "--history", str(OSIPI / "runs.csv"), "--sweep-pipelines", "3..3", *args]
    )
    assert result.exit_code == 2 and words in result.output


def test_every_public_name_resolves_and_is_typed() -> None:
    import ast
    import inspect

    for name in balancer.__all__:
        assert getattr(balancer, name) is not None
    assert callable(balancer.deploy) and callable(balancer.rebalance)
    tree = ast.parse(inspect.getsource(balancer))
    block = next(n for n in tree.body if isinstance(n, ast.If))  # if TYPE_CHECKING:
    typed = {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == balancer._EXPORTS  # the TYPE_CHECKING block mirrors the lazy exports
    assert sorted(balancer.__all__) == sorted(["__version__", *balancer._EXPORTS])
    assert (Path(balancer.__file__).parent / "py.typed").exists()


def test_solve_and_whatif_give_the_same_answer_to_the_same_question(tmp_path: Path) -> None:
    """Moving the append tables to every 30 minutes: `solve --schedule-append` and a what-if
    schedule change scale their costs alike (one rule, estimator.for_schedule) and give the
    same plan."""
    plan_path = tmp_path / "plan.json"
    cron = "*/30 * * * *"
    result = CliRunner().invoke(
        main,
        [
            "solve",
            "--history",
            str(OSIPI / "runs.csv"),
            "--schedule-append",
            cron,
            "-o",
            str(plan_path),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    solved = read_plan(plan_path)
    base = WhatIf.load(OSIPI / "tables.csv", OSIPI / "runs.csv", name="osipi")
    asked = base.run(Scenario("append every 30 min", pipelines=(3, 8), schedules={"append": cron}))
    assert asked.pipeline_of() == solved.pipeline_of()
    assert [p.runtime_s for p in asked.pipelines] == [p.runtime_s for p in solved.pipelines]
    after = {e.table: e.seconds for e in solved.estimates}
    appended = [t.source_table for t in solved.tables if t.ingestion_type == "append"]
    moved = {t.source_table: t for t in asked.tables}
    assert all(
        after[t] == pytest.approx(for_schedule(base.base_estimates()[t], moved[t]).seconds)
        and moved[t].schedule == cron
        for t in appended
    )


def test_whatif_prints_the_plan_solve_would_make_first(tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    CliRunner().invoke(
        main, ["solve", "--history", str(OSIPI / "runs.csv"), "-o", str(plan_path), "-q"]
    )
    solved = read_plan(plan_path)
    out_csv = tmp_path / "cmp.csv"
    result = CliRunner().invoke(
        main, ["whatif", "--history", str(OSIPI / "runs.csv"), "--csv", str(out_csv)]
    )
    assert result.exit_code == 0, result.output
    name = f"solve (K={len(solved.pipelines)})"
    assert name in result.output
    for p in solved.pipelines:
        assert p.key in result.output
    import csv

    row = next(r for r in csv.DictReader(out_csv.open()) if r["scenario"] == name)
    assert int(row["makespan_s"]) == solved.makespan_s
    assert int(row["category_splits"]) == solved.category_splits  # same budget, same plan


@pytest.mark.parametrize(
    ("factor", "words"),
    [
        ("nan", "not a finite number"),
        ("inf", "not a finite number"),
        ("1e308", "must be <= 1000"),
        ("0", "must be > 0"),
        ("-2", "must be > 0"),
        ("fast", "not a number"),
    ],
)
def test_category_growth_is_a_finite_bounded_factor(
    tmp_path: Path, factor: str, words: str
) -> None:
    """Issue 18: --category-growth nan / 1e308 were a traceback; each factor is checked as
    --growth is, before anything is solved or written."""
    out = tmp_path / "c.csv"
    result = CliRunner().invoke(
        main,
        [
            "whatif",
            "--history",
            str(OSIPI / "runs.csv"),
            "--category-growth",
            f"discovery_inventory={factor}",
            "--csv",
            str(out),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "--category-growth" in result.output and words in result.output
    assert "Traceback" not in result.output and not out.exists()
