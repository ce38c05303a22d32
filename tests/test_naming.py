"""Pipeline keys: readable, valid bundle keys, stable across re-solves with the current plan."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from balancer.cli import main
from balancer.io.plan_check import read_plan
from balancer.model import PipelinePlan
from balancer.planning.naming import keep_keys, schedule_slug
from tests.helpers import EXAMPLES, plan_of, table


@pytest.mark.parametrize(
    ("cron", "tag"),
    [
        ("*/15 * * * *", "every_15m"),
        ("0 */2 * * *", "every_2h"),
        ("30 6 * * *", "daily_0630"),
        ("0 9 * * 1-5", "0_9_x_x_1to5"),
        ("0 * * * *", "hourly"),
        ("15 * * * *", "hourly_at_15"),
        ("0 0 * * *", "daily"),
        ("0 3 * * 0", "weekly_sun_0300"),
    ],
)
def test_schedule_tags(cron: str, tag: str) -> None:
    assert schedule_slug(cron) == tag


def pipe(
    key: str, tables: tuple[str, ...], group: str = "g", pin: str | None = None
) -> PipelinePlan:
    return PipelinePlan(key, key, group, "0 0 * * *", tables, 1, 1, pin)


def test_keys_follow_the_tables() -> None:
    old = [pipe("x_01", ("a", "b")), pipe("x_02", ("c", "d"))]
    new = [pipe("x_01", ("c", "d", "e")), pipe("x_02", ("a",)), pipe("x_03", ("b",))]
    got = {p.tables: p.key for p in keep_keys(new, old)}
    assert got == {("c", "d", "e"): "x_02", ("a",): "x_01", ("b",): "x_03"}


def test_new_pipelines_never_take_an_old_key() -> None:
    old = [pipe("x_01", ("a",)), pipe("x_03", ("b",), group="other")]
    new = [pipe("x_01", ("z",)), pipe("x_02", ("a",)), pipe("x_03", ("y",))]
    keys = [p.key for p in keep_keys(new, old)]
    assert "x_01" in keys and len(set(keys)) == 3 and "x_03" not in keys


def test_adding_a_table_and_resolving_keeps_every_key(tmp_path: Path) -> None:
    runner = CliRunner()
    shutil.copy(EXAMPLES / "osipi" / "runs.csv", tmp_path / "runs.csv")
    tables = (EXAMPLES / "osipi" / "tables.csv").read_text()
    (tmp_path / "tables.csv").write_text(tables)
    first = tmp_path / "plan1.json"
    assert (
        runner.invoke(
            main, ["solve", "--history", str(tmp_path / "runs.csv"), "-o", str(first), "-q"]
        ).exit_code
        == 0
    )
    (tmp_path / "tables.csv").write_text(
        tables + 'pi_new_table,asset_framework,snapshot,"[""webid""]",\n'
    )
    second = tmp_path / "plan2.json"
    result = runner.invoke(
        main,
        [
            "solve",
            "--history",
            str(tmp_path / "runs.csv"),
            "--current",
            str(first),
            "-o",
            str(second),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    old, new = read_plan(first), read_plan(second)
    assert {p.key for p in old.pipelines} <= {p.key for p in new.pipelines}
    where_old, where_new = old.pipeline_of(), new.pipeline_of()
    kept = sum(where_old[t] == where_new[t] for t in where_old)
    assert kept >= len(where_old) // 2  # keys follow the bulk of their tables


def test_pipeline_keys_name_every_schedule_readably() -> None:
    """cdc tables hourly and every 5 minutes: `cdc_hourly_01`, not `cdc_0_x_x_x_x_01`."""
    tables = [
        table("a", 10, ingestion_type="cdc", schedule="0 * * * *"),
        table("b", 10, ingestion_type="cdc", schedule="*/5 * * * *"),
    ]
    plan = plan_of(tables, pipelines_min=2, pipelines_max=2, name="crm")
    assert sorted(p.key for p in plan.pipelines) == ["crm_cdc_every_5m_01", "crm_cdc_hourly_01"]
