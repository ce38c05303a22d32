"""Fuzz `balancer deploy --dry-run` on the stand-in workspace: hostile options (targets,
variables, workspace paths), render folders edited by hand (any JSON field, databricks.yml
replaced by hostile YAML), and renders of hostile names and bundle suffixes. A dry run
changes nothing: not the render folder, not the workspace."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.workspace import FakeWorkspace
from tests.fuzz import values
from tests.fuzz.budget import fuzz
from tests.fuzz.check import check_run, invoke
from tests.fuzz.files import blob
from tests.fuzz.plans import base_plan, dump_json, hostile_json_value, paths, put, short
from tests.fuzz.sandbox import Sandbox, sandbox

MANAGED = ("--dependency", "/Volumes/main/default/v/connector.whl")
YAML = (
    "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "bundle: {name: *d}\n",
    "bundle: !!python/object/apply:os.system ['echo pwned']\n",
    "[" * 5000,
    "bundle:\n  name: x\n\x00\n",
    "bundle: {name: 'a\\nb: c'}\ntargets: {dev: {default: true}}\n",
    "- not\n- a\n- mapping\n",
    "",
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base plan rendered in managed mode, once per module."""
    with sandbox() as box:
        plan = box.input("plan.json", json.dumps(base_plan()))
        out = Path(tmp_path_factory.mktemp("render")) / "out"
        run, _ = invoke(box, ["render", plan, "-o", out, *MANAGED])
        assert run.exit_code == 0, run.output
    return out


def _copy(box: Sandbox, rendered: Path) -> Path:
    folder = box.path("render")
    shutil.copytree(rendered, folder, symlinks=True)
    return box.mark_input(folder)


def _quiet(workspace: FakeWorkspace) -> list[tuple[str, str]]:
    return [(m, p) for m, p in workspace.requests if m not in ("GET", "HEAD")]


OPTIONS = {
    "-t": st.one_of(st.sampled_from(("dev", "prod", "DEV", "prod ")), values.text()),
    "--var": st.one_of(
        values.text(),
        st.tuples(st.sampled_from(("catalog", "schema", "connection_name")), values.text()).map(
            "=".join
        ),
    ),
    "--workspace-path": st.one_of(
        values.text(), st.sampled_from(("/Workspace/../../etc", "/Workspace/Shared/../../x"))
    ),
    "--warehouse-id": values.text(),
}


@fuzz(12)
@given(
    args=values.arguments(OPTIONS, min_size=1, max_size=3),
)
def test_hostile_options(workspace: FakeWorkspace, rendered: Path, args: list[str]) -> None:
    workspace.requests.clear()
    with sandbox() as box:
        folder = _copy(box, rendered)
        check_run(box, ["deploy", folder, "--dry-run", *args], [])
    assert _quiet(workspace) == [], "a dry run wrote to the workspace"


@st.composite
def edited_render(draw: st.DrawFn, rendered: Path) -> dict[str, bytes]:
    """One file of the render folder edited by hand: a JSON field, or databricks.yml."""
    if draw(st.booleans()):
        text = draw(st.sampled_from(YAML))
        return {"databricks.yml": blob(text.encode("utf-8"), f"databricks.yml = {text[:50]!r}")}
    names = sorted(p.relative_to(rendered).as_posix() for p in rendered.rglob("*.json"))
    name = draw(st.sampled_from(names))
    doc = json.loads((rendered / name).read_text(encoding="utf-8"))
    path = draw(st.sampled_from(paths(doc)[1:]))
    value = draw(hostile_json_value())
    raw = dump_json(put(doc, path, value)).encode("utf-8")
    return {name: blob(raw, f"{name}: {'.'.join(map(str, path))} = {short(value)}")}


@fuzz(15)
@given(data=st.data())
def test_render_folders_edited_by_hand(
    workspace: FakeWorkspace, rendered: Path, data: st.DataObject
) -> None:
    edits = data.draw(edited_render(rendered))
    workspace.requests.clear()
    with sandbox() as box:
        folder = _copy(box, rendered)
        for name, raw in edits.items():
            (folder / name).write_bytes(raw)
        box.mark_input(folder)
        check_run(box, ["deploy", folder, "--dry-run"], [])
    assert _quiet(workspace) == [], "a dry run wrote to the workspace"


@fuzz(10)
@given(
    suffix=st.one_of(st.sampled_from(("/../../../../Shared/x", "_ok")), values.text()),
    name=st.sampled_from(values.NAMES),
)
def test_hostile_names_reach_no_workspace_path(
    workspace: FakeWorkspace, suffix: str, name: str
) -> None:
    plan = base_plan() | {"settings": base_plan()["settings"] | {"name": name}}
    workspace.requests.clear()
    with sandbox() as box:
        p = box.input("plan.json", json.dumps(plan))
        out = box.path("out")
        rendered = check_run(
            box, ["render", p, "-o", out, *MANAGED, "--bundle-suffix", suffix], [out]
        )
        if rendered.exit_code == 0:
            box.mark_input(out)
            check_run(box, ["deploy", out, "--dry-run", "-t", "prod"], [])
    assert _quiet(workspace) == [], "a dry run wrote to the workspace"
