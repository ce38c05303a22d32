"""The fuzz suite's starting points are valid: each command, given the unmutated inputs the
generators start from, exits 0 and writes its outputs. (Otherwise the fuzz would only ever
test refusals, never the paths that write.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fuzz import files
from tests.fuzz.check import check_run
from tests.fuzz.plans import STATE, base_plan, base_state, pinned_tables
from tests.fuzz.sandbox import Sandbox, sandbox
from tests.fuzz.test_discover import VALID, connector, isolated_imports

WORKSPACE = ["--mode", "workspace", "--connector-root", "/Workspace/r"]


def _solve(box: Sandbox) -> tuple[list[object], list[Path]]:
    t, r = files.example_inputs(box)
    out = box.path("plan.json")
    return ["solve", "--tables", t, "--history", r, "-o", out, "--time-limit", "0.2"], [out]


def _plan(box: Sandbox) -> Path:
    return box.input("in/plan.json", json.dumps(base_plan()))


def _render(box: Sandbox) -> tuple[list[object], list[Path]]:
    out = box.path("out")
    return ["render", _plan(box), "-o", out, *WORKSPACE], [out]


def _whatif(box: Sandbox) -> tuple[list[object], list[Path]]:
    t, r = files.example_inputs(box)
    out = box.path("w.csv")
    args = ["whatif", "--tables", t, "--history", r, "--sweep-pipelines", "3..4"]
    return [*args, "--time-limit", "0.1", "--csv", out], [out]


def _rebalance(box: Sandbox) -> tuple[list[object], list[Path]]:
    _, r = files.example_inputs(box)
    out = box.path("prop")
    return ["rebalance", "--plan", _plan(box), "--history", r, "-o", out, "--time-limit", "0.2"], [
        out
    ]


def _synth(box: Sandbox) -> tuple[list[object], list[Path]]:
    t = box.input("in/tables.csv", pinned_tables())
    out = box.path("runs.csv")
    return ["synth-history", "--tables", t, "-o", out, "--days", "2"], [out]


def _from_events(box: Sandbox) -> tuple[list[object], list[Path]]:
    events = files.events_of(files.example_csv("github", "runs.csv", 60))
    export = box.input("in/export.jsonl", "\n".join(json.dumps(e) for e in events) + "\n")
    out = box.path("runs.csv")
    return ["history", "from-events", export, "-o", out], [out]


def _sql(box: Sandbox) -> tuple[list[object], list[Path]]:
    box.input(f"render/{STATE}", json.dumps(base_state()))
    return ["history", "sql", "--plan", _plan(box), "--deployment", box.path("render")], []


def _discover(box: Sandbox) -> tuple[list[object], list[Path]]:
    source = box.input("conn/hostile_source.py", connector(["orders"], ["orders"], VALID))
    out = box.path("tables.csv")
    return ["discover", source, "-o", out], [out]


BASES: dict[str, Callable[[Sandbox], tuple[list[object], list[Path]]]] = {
    "solve": _solve,
    "render": _render,
    "whatif": _whatif,
    "rebalance": _rebalance,
    "synth-history": _synth,
    "history from-events": _from_events,
    "history sql": _sql,
    "discover": _discover,
}


@pytest.mark.parametrize("command", sorted(BASES))
def test_the_unmutated_inputs_are_valid(command: str) -> None:
    with sandbox() as box, isolated_imports():
        args, outputs = BASES[command](box)
        run = check_run(box, args, outputs)
        assert run.exit_code == 0, run.output
        assert all(o.exists() for o in outputs), outputs
