"""Wheels: the balancer's own (installable, byte-stable), the connector's (built or given)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from balancer.databricks.packages import balancer_wheel, connector_wheels, given_wheels
from balancer.errors import InputError
from tests.fakes.wheels import fake_wheels


def test_the_balancer_wheel_installs_and_runs_the_rebalancing_job(tmp_path: Path) -> None:
    wheel = balancer_wheel()
    assert wheel.data == balancer_wheel().data  # same installed files, same bytes
    path = tmp_path / wheel.file_name
    path.write_bytes(wheel.data)
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
    subprocess.run([*pip, str(path)], check=True)
    names = zipfile.ZipFile(path).namelist()
    assert "render/templates/ingest.py.j2" in names and any(n.endswith("RECORD") for n in names)
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = "import balancer, balancer.databricks.rebalance_job, render; print(balancer.__file__)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(target))


def test_given_wheels_are_checked(tmp_path: Path) -> None:
    framework, connector = fake_wheels(tmp_path, "osipi")
    wheels = given_wheels((str(connector), str(framework)), "osipi")
    assert [w.role for w in wheels] == ["framework", "connector"]
    with pytest.raises(InputError, match="does not carry the connector 'github'"):
        given_wheels((str(framework), str(connector)), "github")
    with pytest.raises(InputError, match="exactly one framework wheel"):
        given_wheels((str(connector),), "osipi")
    junk = tmp_path / "junk.whl"
    junk.write_text("not a zip")
    with pytest.raises(InputError, match="not a wheel"):
        given_wheels((str(junk), str(connector)), "osipi")


def test_a_checkout_without_the_connector_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    with pytest.raises(InputError, match="no connector 'nope'"):
        connector_wheels(tmp_path, "nope")
    with pytest.raises(InputError, match="not the root"):
        connector_wheels(tmp_path / "missing", "nope")
