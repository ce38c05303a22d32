"""Shared builders. Every plan a test makes goes through `plan_of`, which runs the checker."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from balancer.engine.checker import check_plan
from balancer.model import Catalog, Plan, Settings, Table
from balancer.planning.planner import make_plan

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def table(name: str, weight: float, **kw: Any) -> Table:
    """A table whose cost is its weight (no history)."""
    kw.setdefault("ingestion_type", "snapshot")
    kw.setdefault("schedule", "0 0 * * *")
    return Table(source_table=name, destination_table=name, weight=weight, **kw)


def catalog(tables: Sequence[Table]) -> Catalog:
    return Catalog(tables=tuple(tables), path="tables.csv", digest="sha256:test")


def plan_of(tables: Sequence[Table], **settings: Any) -> Plan:
    """Solve with small, fast defaults and check the plan without the solver."""
    settings.setdefault("overhead_s", 0)
    settings.setdefault("time_limit_s", 5.0)
    settings.setdefault("workers", 1)
    explicit = settings.pop(
        "explicit", settings.get("pipelines_min") == settings.get("pipelines_max")
    )
    plan = make_plan(catalog(tables), None, Settings(**settings), k_explicit=explicit)
    assert check_plan(plan, tables) == []
    return plan


def where(plan: Plan) -> dict[str, str]:
    return plan.pipeline_of()


@pytest.fixture
def osipi_dir() -> Path:
    return EXAMPLES / "osipi"


@pytest.fixture
def ws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """A local workspace server; the SDK's own auth points at it through the environment."""
    from tests.fakes.workspace import FakeWorkspace

    server = FakeWorkspace().start()
    monkeypatch.setenv("DATABRICKS_HOST", server.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", "test-token")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-config"))
    for var in ("DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_CONFIG_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def osipi_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """plan.json of the OSIPI example (solved once per test session)."""
    from click.testing import CliRunner

    from balancer.cli import main

    out = tmp_path_factory.mktemp("plan") / "plan.json"
    result = CliRunner().invoke(
        main, ["solve", "--history", str(EXAMPLES / "osipi" / "runs.csv"), "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    return out
