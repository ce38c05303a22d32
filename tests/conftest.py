"""Fixtures: the local workspace server, the OSIPI plan solved once per session, and the
hypothesis profile (`ci`: derandomized, so a CI run cannot turn red by chance)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.helpers import EXAMPLES

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


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


@pytest.fixture(autouse=True)
def no_command_ends_in_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `balancer` command a test runs ends in an exit code, never in a traceback."""
    from click.testing import CliRunner, Result

    invoke = CliRunner.invoke

    def checked(self: CliRunner, *args: Any, **kwargs: Any) -> Result:
        result = invoke(self, *args, **kwargs)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            import traceback

            trace = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
            pytest.fail(f"the command ended in a traceback:\n{trace}\n{result.output}")
        return result

    monkeypatch.setattr(CliRunner, "invoke", checked)
