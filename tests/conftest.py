"""Fixtures: the local workspace server, the OSIPI plan solved once per session, the
hypothesis profile (`ci`: derandomized, so a CI run cannot turn red by chance), and a check
that the test session leaves the repository's own files as it found them."""

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


ROOT = Path(__file__).resolve().parent.parent
# What running tools may write in a checkout; nothing else may appear or change.
CACHES = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache"}
CACHES |= {".ruff_cache", "build", "dist"}


def _checkout_files() -> dict[str, tuple[int, int]]:
    files = {}
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in CACHES and not d.endswith(".egg-info")]
        for name in names:
            path = Path(folder, name)
            st = path.stat()
            files[str(path.relative_to(ROOT))] = (st.st_size, st.st_mtime_ns)
    return files


@pytest.fixture(scope="session", autouse=True)
def tests_leave_the_checkout_alone() -> Iterator[None]:
    """A test writes in tmp_path, never in the repository (a test once wrote x.json at its
    root, and it was committed). Fails the session, naming the files, when one did."""
    before = _checkout_files()
    yield
    after = _checkout_files()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"tests wrote into the checkout: {', '.join(changed[:10])}"


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
