"""Both notebooks run every cell outside Databricks, deploy pointed at the local server."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

from tests.fakes.wheels import fake_wheels
from tests.fakes.workspace import FakeWorkspace
from tests.helpers import EXAMPLES

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def set_widgets(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(f"BALANCER_WIDGET_{name.upper()}", value)


def test_notebooks_are_databricks_source_format() -> None:
    for path in NOTEBOOKS.glob("*.py"):
        text = path.read_text()
        assert text.startswith("# Databricks notebook source\n")
        assert "# COMMAND ----------" in text
        # lakeflow-balancer is on no package index: install it from the Git folder
        assert "# MAGIC %pip install ..\n" in text and "install lakeflow-balancer" not in text


def test_whatif_notebook_runs_every_cell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    set_widgets(
        monkeypatch,
        tables_path=str(EXAMPLES / "hubspot" / "tables.csv"),
        history_path=str(EXAMPLES / "hubspot" / "runs.csv"),
        connector="hubspot",
        k_range="3..5",
        growth="1.2",
        growth_category="",
        charts_dir=str(tmp_path),
    )
    scope = runpy.run_path(str(NOTEBOOKS / "whatif_analysis.py"), run_name="__main__")
    assert set(scope["plans"]) == {"K=3", "K=4", "K=5", "growth x1.2"}
    assert list(scope["comparison"].index) == ["K=3", "K=4", "K=5", "growth x1.2"]
    for name in ("makespan_vs_k.png", "pipelines.png", "before_after.png", "report.html"):
        assert (tmp_path / name).stat().st_size > 1000


def test_whatif_notebook_reports_a_scenario_that_does_not_fit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    set_widgets(
        monkeypatch, k_range="3..4", growth="2", growth_category="", charts_dir=str(tmp_path)
    )
    scope = runpy.run_path(str(NOTEBOOKS / "whatif_analysis.py"), run_name="__main__")
    # OSIPI's 15-minute tables doubled need three pipelines of their own: 5 in all, not 3 or 4
    assert set(scope["plans"]) == {"K=3", "K=4"}
    row = scope["comparison"].loc["growth x2"]
    assert row["status"] == "DOES NOT FIT"
    assert "append @ */15 * * * * needs 3" in row["fits_schedules"]
    assert not (tmp_path / "before_after.png").exists()


def test_whatif_notebook_defaults_are_relative_to_its_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # anywhere but the repository root
    set_widgets(monkeypatch, k_range="3..4", charts_dir=str(tmp_path / "charts"))
    scope = runpy.run_path(str(NOTEBOOKS / "whatif_analysis.py"), run_name="__main__")
    assert len(scope["base"].catalog.tables) == 39 and scope["base"].history is not None


@pytest.mark.parametrize("source", ["preset", "discovery"])
def test_deploy_notebook_runs_every_cell(
    ws: FakeWorkspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: str
) -> None:
    monkeypatch.chdir(tmp_path)
    fixtures = Path(__file__).resolve().parent / "fixtures" / "connectors"
    framework, connector = fake_wheels(
        tmp_path / "wheels", "shop" if source == "discovery" else "osipi"
    )
    set_widgets(
        monkeypatch,
        table_source=source,
        connector_name="shop" if source == "discovery" else "osipi",
        connector_module=str(fixtures / "flat" / "shop_source.py"),
        history_path="" if source == "discovery" else "../examples/osipi/runs.csv",
        plan_without_history="true",
        mode="managed" if source == "preset" else "workspace",
        connector_wheels=f"{framework},{connector}" if source == "preset" else "",
        connector_root="" if source == "preset" else "/Workspace/Repos/me/lcc",
        work_dir=str(tmp_path / "work"),
        pipelines="3..8" if source == "preset" else "3",
        cleanup="false",
        dry_run="false",
    )
    scope = runpy.run_path(
        str(NOTEBOOKS / "deploy_load_balanced_pipelines.py"), run_name="__main__"
    )
    plan = scope["plan"]
    assert len(ws.pipelines) == len(plan.pipelines) and len(ws.jobs) == len(plan.pipelines)
    set_widgets(monkeypatch, cleanup="true")
    runpy.run_path(str(NOTEBOOKS / "deploy_load_balanced_pipelines.py"), run_name="__main__")
    assert ws.pipelines == {} and ws.jobs == {}


def test_deploy_notebook_never_plans_silently_without_history(
    ws: FakeWorkspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from balancer.errors import InputError

    set_widgets(
        monkeypatch, work_dir=str(tmp_path / "work"), history_path=str(tmp_path / "missing.csv")
    )
    with pytest.raises(InputError, match="not found"):
        runpy.run_path(str(NOTEBOOKS / "deploy_load_balanced_pipelines.py"), run_name="__main__")
    set_widgets(monkeypatch, history_path="")
    with pytest.raises(ValueError, match="history_path is empty"):
        runpy.run_path(str(NOTEBOOKS / "deploy_load_balanced_pipelines.py"), run_name="__main__")
    assert ws.pipelines == {}


def test_whatif_notebook_defaults_give_a_scenario_that_fits(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    set_widgets(monkeypatch, charts_dir=str(tmp_path / "charts"))
    scope = runpy.run_path(str(NOTEBOOKS / "whatif_analysis.py"), run_name="__main__")
    assert scope["refused"] == {}
    assert scope["scenario"].name in scope["plans"]
    assert (tmp_path / "charts" / "before_after.png").stat().st_size > 1000


def _no_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from balancer.databricks import notebook

    monkeypatch.delenv("LAKEFLOW_CONNECTORS_SRC", raising=False)
    monkeypatch.setattr(notebook, "CHECKOUT_IN_WORKSPACE", str(tmp_path / "{user}" / "lcc"))
    monkeypatch.setenv("DATABRICKS_USER", "someone@example.com")


def test_deploy_notebook_defaults_change_nothing_and_say_what_is_missing(
    ws: FakeWorkspace,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _no_checkout(monkeypatch, tmp_path)
    set_widgets(monkeypatch, work_dir=str(tmp_path / "work"))
    runpy.run_path(str(NOTEBOOKS / "deploy_load_balanced_pipelines.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "dry run: the plan is above; nothing rendered" in out
    assert str(tmp_path / "someone@example.com" / "lcc") in out
    assert ws.pipelines == {} and ws.jobs == {}
    set_widgets(monkeypatch, dry_run="false")
    with pytest.raises(ValueError, match="no connectors checkout found"):
        runpy.run_path(str(NOTEBOOKS / "deploy_load_balanced_pipelines.py"), run_name="__main__")
    assert ws.pipelines == {}


def test_deploy_notebook_dry_run_shows_the_changes_and_makes_none(
    ws: FakeWorkspace,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    framework, connector = fake_wheels(tmp_path / "wheels", "osipi")
    set_widgets(
        monkeypatch, work_dir=str(tmp_path / "work"), connector_wheels=f"{framework},{connector}"
    )
    runpy.run_path(str(NOTEBOOKS / "deploy_load_balanced_pipelines.py"), run_name="__main__")
    out = capsys.readouterr().out
    k = int(re.search(r"^(\d+) pipelines", out, re.M).group(1))  # type: ignore[union-attr]
    # a pipeline and its job each
    assert f"{2 * k} created, 0 updated, 0 unchanged (would be; dry_run=true" in out
    assert ws.pipelines == {} and ws.jobs == {}


def test_connector_checkout_comes_from_the_widget_the_environment_or_the_user_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from balancer.databricks import notebook

    _no_checkout(monkeypatch, tmp_path)
    assert notebook.connector_checkout("", "me") is None
    mine = tmp_path / "me" / "lcc"
    mine.mkdir(parents=True)
    (mine / "pyproject.toml").write_text("")
    assert notebook.connector_checkout("", "me") == mine
    other = tmp_path / "other"
    (other / "src").mkdir(parents=True)
    (other / "pyproject.toml").write_text("")
    monkeypatch.setenv("LAKEFLOW_CONNECTORS_SRC", str(other / "src"))
    assert notebook.connector_checkout("", "me") == other
    assert notebook.connector_checkout(str(tmp_path / "given"), "me") == tmp_path / "given"


def test_current_user_is_the_notebook_context_user_on_databricks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    from balancer.databricks.notebook import current_user

    context = SimpleNamespace(userName=lambda: SimpleNamespace(get=lambda: "ada@example.com"))
    utils = SimpleNamespace(
        notebook=SimpleNamespace(
            entry_point=SimpleNamespace(
                getDbutils=lambda: SimpleNamespace(
                    notebook=lambda: SimpleNamespace(getContext=lambda: context)
                )
            )
        )
    )
    assert current_user(utils) == "ada@example.com"
    monkeypatch.setenv("DATABRICKS_USER", "bob@example.com")
    assert current_user(object()) == "bob@example.com"
