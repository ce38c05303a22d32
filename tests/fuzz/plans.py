"""Hand-edited plan.json files: a plan solved once from a bundled example (with two pinned
tables), then one field edited as a person or an attacker would, its tables' checksum
recomputed or not.

Edits: any field set to a wrong type, NaN, a huge list, deep JSON or a hostile string
(`field_edit`), and the edits that keep the JSON well-formed but break a rule
(`rule_edit`): a table moved to a pipeline of another schedule or out of its pin, a
pipeline of more than 1,000 tables, names with `../`, settings out of range.
"""

from __future__ import annotations

import atexit
import copy
import hashlib
import json
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import strategies as st

from balancer.cli import main
from tests.fuzz import values
from tests.fuzz.files import Blob, blob, deep_json, encode, example_csv, example_path, json_text

Json = Any


@lru_cache(maxsize=1)
def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-plans-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def pinned_tables() -> bytes:
    """github's tables.csv with a `pin` column: its first and third tables pinned to 'hot'."""
    base = example_csv("github", "tables.csv")
    rows = tuple((*r, "hot" if k in (0, 2) else "") for k, r in enumerate(base.rows))
    return encode(type(base)((*base.header, "pin"), rows))


@lru_cache(maxsize=1)
def base_plan() -> Json:
    """The plan of github's example with two pinned tables (solved once per session)."""
    folder = _folder()
    tables = folder / "tables.csv"
    tables.write_bytes(pinned_tables())
    out = folder / "plan.json"
    result = CliRunner().invoke(
        main,
        [
            "solve",
            "--tables",
            str(tables),
            "--history",
            str(example_path("github", "runs.csv")),
            "--time-limit",
            "0.5",
            "--name",
            "gh",
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def resign(plan: Json) -> Json:
    """The plan with its tables' checksum recomputed, as someone editing it could do."""
    if isinstance(plan, dict) and isinstance(plan.get("tables"), list):
        text = json.dumps(plan["tables"], sort_keys=True, ensure_ascii=False)
        plan["tables_digest"] = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    return plan


def paths(value: Json, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document (lists: their first two items)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for k, v in enumerate(value[:2]):
            out += paths(v, (*prefix, k))
    return out


def put(doc: Json, path: tuple[Any, ...], value: Json) -> Json:
    if not path:
        return value
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


DEEP = "\u2063deep-json\u2063"
"""A marker `dump_json` replaces with 5,000-level nested JSON (too deep for json.dumps)."""


def hostile_json_value() -> st.SearchStrategy[Json]:
    return st.one_of(
        st.sampled_from((None, True, False, 0, -1, 10**40, 1e308, "60", "", [], {}, "not a cron")),
        st.just(float("nan")),
        st.just(float("inf")),
        st.just(DEEP),
        st.just(["t"] * 5000),
        st.just({"k": "v"}),
        values.text(),
        values.cron(),
        st.integers(),
        st.floats(),
    )


@st.composite
def field_edit(draw: st.DrawFn) -> tuple[Json, str]:
    """The base plan with one field (any depth) replaced by a hostile value."""
    plan = copy.deepcopy(base_plan())
    path = draw(st.sampled_from(paths(plan)[1:]))
    value = draw(hostile_json_value())
    return put(plan, path, value), f"{'.'.join(map(str, path))} = {short(value)}"


def short(value: Json) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"


def _pipeline_of(plan: Json, table: str) -> Json:
    return next(p for p in plan["pipelines"] if table in p["tables"])


def _move(plan: Json, table: str, to: Json) -> Json:
    _pipeline_of(plan, table)["tables"].remove(table)
    to["tables"].append(table)
    return plan


def _big_pipeline(plan: Json, n: int) -> Json:
    template = plan["tables"][0]
    first = plan["pipelines"][0]
    for i in range(n):
        name = f"extra_{i:04d}"
        plan["tables"].append(template | {"source_table": name, "destination_table": name})
        first["tables"].append(name)
    return plan


@st.composite
def rule_edit(draw: st.DrawFn) -> tuple[Json, str]:
    """The base plan edited so that it parses but breaks a rule (or the platform's limits)."""
    plan = copy.deepcopy(base_plan())
    kind = draw(st.sampled_from(("schedule", "pin", "big", "name", "key", "settings", "dest")))
    pipes = plan["pipelines"]
    if kind == "schedule":
        src = draw(st.sampled_from([p for p in pipes if p["tables"]]))
        other = [p for p in pipes if p["schedule"] != src["schedule"]]
        if other:
            table, to = draw(st.sampled_from(src["tables"])), draw(st.sampled_from(other))
            _move(plan, table, to)
            return plan, f"{table} moved from {src['key']} to {to['key']} ({to['schedule']})"
    elif kind == "pin":
        pinned = [t["source_table"] for t in plan["tables"] if t.get("pin")]
        table = draw(st.sampled_from(pinned))
        others = [p for p in pipes if table not in p["tables"]]
        to = draw(st.sampled_from(others))
        _move(plan, table, to)
        return plan, f"pinned {table} moved to {to['key']}"
    if kind == "big":
        n = draw(st.sampled_from((999, 1001, 1099)))
        return _big_pipeline(plan, n), f"{n} more tables in {pipes[0]['key']}"
    if kind == "name":
        value = draw(st.sampled_from(values.NAMES + values.TERMINAL))
        plan["settings"]["name"] = value
        return plan, f"settings.name = {short(value)}"
    if kind == "key":
        pipe, field = draw(st.sampled_from(pipes)), draw(st.sampled_from(("key", "name")))
        pipe[field] = draw(values.text())
        return plan, f"pipeline {field} = {short(pipe[field])}"
    if kind == "dest":
        table = draw(st.sampled_from(plan["tables"]))
        table["destination_table"] = draw(st.sampled_from(values.NAMES + values.TERMINAL))
        return (
            plan,
            f"{table['source_table']}.destination_table = {short(table['destination_table'])}",
        )
    field = draw(st.sampled_from(sorted(plan["settings"])))
    plan["settings"][field] = draw(hostile_json_value())
    return plan, f"settings.{field} = {short(plan['settings'][field])}"


@st.composite
def plan_bytes(draw: st.DrawFn) -> Blob:
    """A hand-edited plan.json, its checksum recomputed or not (NaN and deep JSON written as
    such)."""
    plan, what = draw(st.one_of(field_edit(), rule_edit()))
    if draw(st.booleans()):
        plan, what = resign(plan), f"{what}, re-signed"
    return blob(dump_json(plan).encode("utf-8"), what)


def dump_json(plan: Json) -> str:
    return json.dumps(plan, ensure_ascii=False, indent=1).replace(
        json.dumps(DEEP, ensure_ascii=False), deep_json(5000)
    )


def base_state() -> Json:
    """A deployment record of the base plan, as `balancer deploy` keeps it (target prod)."""
    plan = base_plan()
    keys = [p["key"] for p in plan["pipelines"]]
    return {
        "format": 1,
        "tool": "lakeflow-balancer",
        "deployment_id": plan["deployment_id"],
        "target": "prod",
        "identity": "prod",
        "user": "someone@example.com",
        "catalog": "main",
        "schema": "bronze",
        "pipelines": {k: f"0000-{n:04d}-abcd" for n, k in enumerate(keys)},
        "jobs": {k: str(100 + n) for n, k in enumerate(keys)},
        "event_logs": {k: f"main.bronze.{k}_event_log" for k in keys},
        "done": [],
        "complete": True,
        "restart": [],
        "paused": [],
    }


@st.composite
def state_bytes(draw: st.DrawFn) -> Blob:
    """A deployment record (`.lakeflow-balancer/state/prod.json`) edited by hand."""
    if draw(st.integers(0, 3)) == 0:
        raw = draw(json_text())
        return blob(raw, "a JSON document instead of a record")
    state = copy.deepcopy(base_state())
    path = draw(st.sampled_from(paths(state)[1:]))
    value = draw(hostile_json_value())
    raw = dump_json(put(state, path, value)).encode("utf-8")
    return blob(raw, f"{'.'.join(map(str, path))} = {short(value)}")


STATE = ".lakeflow-balancer/state/prod.json"
