"""Fixtures of the fuzz suite: `check_run` itself holds every run to "no traceback" (with
the trace in its report, or in the survey), so the suite-wide guard is replaced here; and one
stand-in workspace per module for the commands that talk to Databricks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.workspace import FakeWorkspace


@pytest.fixture(autouse=True)
def no_command_ends_in_a_traceback() -> None:
    """Overrides tests/conftest.py's guard: check_run reports a traceback as a broken rule."""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeWorkspace]:
    """A local workspace server for a whole module; the SDK's auth points at it."""
    server = FakeWorkspace().start()
    config = Path(tmp_path_factory.mktemp("ws")) / "no-config"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABRICKS_HOST", server.url)
        mp.setenv("DATABRICKS_TOKEN", "test-token")
        mp.setenv("DATABRICKS_CONFIG_FILE", str(config))
        for var in (
            "DATABRICKS_CLIENT_ID",
            "DATABRICKS_CLIENT_SECRET",
            "DATABRICKS_CONFIG_PROFILE",
        ):
            mp.delenv(var, raising=False)
        yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def solved_plan() -> None:
    """Solve the plans' base once, before any strategy draws from it."""
    from tests.fuzz.plans import base_plan

    base_plan()
