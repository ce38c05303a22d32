"""Names that reach paths, bundle names and Unity Catalog: a render's options and the plan's
names are plain names (or names Unity Catalog takes), refused with exit 2 naming the option
or plan.json, before anything is written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from balancer.cli import main
from balancer.errors import InputError
from render import RenderOptions
from tests.helpers import render_cli

ROOT = "/Workspace/Users/me/lakeflow-community-connectors"
WORKSPACE = ("--mode", "workspace", "--connector-root", ROOT)

BAD_OPTIONS = [
    ("--bundle-suffix", "/../../../../Shared/x", "not a plain name"),
    ("--bundle-suffix", "\nbundle:\n  name: evil", "not a plain name"),
    ("--bundle-suffix", "_" + "x" * 100, "characters long"),
    ("--bundle-suffix", "x" * 95, "bundle name"),  # fine alone, too long with the plan's name
    ("--source-name", "../../../etc", "not a plain name"),
    ("--source-name", ".hidden", "not a plain name"),
    ("--catalog", "a.b", "period"),
    ("--catalog", "../x", "period"),
    ("--schema", "a/b", "slash"),
    ("--schema", "${var.x}", "period"),
    ("--connection-name", "my conn", "space"),
    ("--connection-name", "c\x1b[2J", "control character"),
    # workspace and volume folders: absolute, no '.' or '..' segment
    ("--ingest-files-path", "/Workspace/Shared/../../x", "'..' segment"),
    ("--ingest-files-path", "rel/path", "not an absolute path"),
    ("--ingest-files-path", "/Workspace//x", "empty"),
    ("--packages-volume-path", "/Volumes/a/./b", "'..' segment"),
    ("--packages-volume-path", "/Volumes/a\nb", "control character"),
    # pip requirements: one, not an option
    ("--dependency", "foo\nbar", "line break"),
    ("--dependency", "--index-url=http://evil", "starts with '-'"),
    ("--dependency", "-e.", "starts with '-'"),
    # a job's timezone_id
    ("--timezone", "Mars/Olympus", "IANA"),
    ("--timezone", "+05:00", "IANA"),
]


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--connector-root", "/Workspace/../etc"),
        ("--connector-root", "relative/path"),
    ],
)
def test_the_connector_root_is_an_absolute_folder(
    osipi_plan: Path, tmp_path: Path, flag: str, value: str
) -> None:
    out = tmp_path / "out"
    result = render_cli(osipi_plan, out, "--mode", "workspace", flag, value)
    assert result.exit_code == 2 and flag in result.output, result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--timezone", "Europe/Berlin"),
        ("--dependency", "requests >= 2.0"),
        ("--dependency", "/Volumes/main/default/pkgs/x-1.0-py3-none-any.whl"),
        ("--ingest-files-path", "/Workspace/Users/${workspace.current_user.userName}/ingest"),
    ],
)
def test_good_paths_requirements_and_zones_render(
    osipi_plan: Path, tmp_path: Path, flag: str, value: str
) -> None:
    result = render_cli(osipi_plan, tmp_path / "out", *WORKSPACE, flag, value)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("flag", "value", "words"), BAD_OPTIONS)
def test_names_from_options_are_refused_naming_the_option(
    osipi_plan: Path, tmp_path: Path, flag: str, value: str, words: str
) -> None:
    out = tmp_path / "out"
    result = render_cli(osipi_plan, out, *WORKSPACE, flag, value)
    assert result.exit_code == 2, result.output
    assert flag in result.output and words in result.output, result.output
    assert "Traceback" not in result.output and not out.exists()


@pytest.mark.parametrize("suffix", ["", "_v2", "-dev", ".1", "+x"])
def test_plain_suffixes_name_the_bundle(osipi_plan: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / "out"
    result = render_cli(osipi_plan, out, *WORKSPACE, "--bundle-suffix", suffix)
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load((out / "databricks.yml").read_text(encoding="utf-8"))
    assert doc["bundle"]["name"] == f"osipi_balanced{suffix}"


def test_options_are_checked_however_a_render_is_asked_for() -> None:
    with pytest.raises(InputError) as info:
        RenderOptions("osipi", "conn", bundle_suffix="/../x")
    assert info.value.where.column == "--bundle-suffix"


def _redigest(doc: dict[str, Any]) -> None:
    """The tables checksum `solve` writes (balancer.io.planio.tables_digest), after an edit."""
    text = json.dumps(doc["tables"], sort_keys=True, ensure_ascii=False)
    doc["tables_digest"] = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _name(doc: dict[str, Any], value: str) -> None:
    doc["settings"]["name"] = value


def _key(doc: dict[str, Any], value: str) -> None:
    doc["pipelines"][0]["key"] = value


def _pipeline_name(doc: dict[str, Any], value: str) -> None:
    doc["pipelines"][0]["name"] = value


def _destination(doc: dict[str, Any], value: str) -> None:
    doc["tables"][0]["destination_table"] = value
    _redigest(doc)


def _twin(doc: dict[str, Any], value: str) -> None:
    first, second = doc["tables"][0], doc["tables"][1]
    second["destination_table"] = first["destination_table"].upper() + value
    _redigest(doc)


BAD_PLANS = [
    (_name, "../../../../Shared/evil", "settings.name"),
    (_name, "osipi\nbundle:\n  name: evil", "settings.name"),
    (_name, "a.b", "settings.name"),
    (_name, "-rf", "settings.name"),
    (_name, "x" * 101, "settings.name"),
    (_key, "../p_01", "pipeline key"),
    (_key, "p.01", "pipeline key"),
    (_pipeline_name, "${workspace.current_user.userName}", "reference"),
    (_pipeline_name, "p\nname: x", "control characters"),
    (_destination, "a.b", "period"),
    (_destination, "a b", "space"),
    (_destination, "x" * 256, "256 characters"),
    (_twin, "", "one table to Unity Catalog"),
    (lambda doc, v: doc["pipelines"][1].update(name=doc["pipelines"][0]["name"]), "", "named"),
    (
        lambda doc, v: doc["pipelines"][1].update(name=doc["pipelines"][0]["name"].upper()),
        "",
        "named",
    ),
]


@pytest.mark.parametrize(("edit", "value", "words"), BAD_PLANS)
def test_names_from_plan_json_are_refused_naming_the_plan(
    osipi_plan: Path, tmp_path: Path, edit: Any, value: str, words: str
) -> None:
    doc = json.loads(osipi_plan.read_text(encoding="utf-8"))
    edit(doc, value)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    result = render_cli(plan, out, *WORKSPACE)
    assert result.exit_code == 2, result.output
    assert str(plan) in result.output and words in result.output, result.output
    assert "Traceback" not in result.output and not out.exists()


def test_an_edited_plan_name_never_reaches_deploy(osipi_plan: Path, tmp_path: Path) -> None:
    doc = json.loads(osipi_plan.read_text(encoding="utf-8"))
    _name(doc, "../../../../Shared/evil")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(main, ["rebalance", "--plan", str(plan), "-o", str(tmp_path / "r")])
    assert result.exit_code == 2 and "settings.name" in result.output, result.output


CHECKOUT = Path(__file__).resolve().parents[1] / "fixtures" / "checkout"
REPOHOST = CHECKOUT / "src/databricks/labs/community_connector/sources/repohost"


@pytest.fixture(scope="module")
def repohost_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan of the repohost fixture connector (its per-project tables need 'project')."""
    folder = tmp_path_factory.mktemp("repohost")
    tables = folder / "repohost.csv"
    tables.write_text(
        "source_table,ingestion_type,table_configuration_json\n"
        "merge_requests,snapshot,\n"
        'pipelines,snapshot,"{""project"": ""p1"", ""colour"": ""red""}"\n'
        'groups,snapshot,"{""tableName"": ""g"", ""colour"": ""blue"", ""depth"": ""2""}"\n',
        encoding="utf-8",
    )
    plan = folder / "plan.json"
    result = CliRunner().invoke(main, ["solve", "--tables", str(tables), "-o", str(plan), "-q"])
    assert result.exit_code == 0, result.output
    return plan


@pytest.mark.parametrize(
    ("spec_args", "common", "code", "words"),
    [
        # merge_requests lacks 'project', which the connector's code requires: refused
        (
            ["--connector-spec", str(REPOHOST / "connector_spec.yaml")],
            "{}",
            2,
            ["table merge_requests lacks the table option project", '{"project": "..."}'],
        ),
        # given to every table: rendered; options outside the allowlist warned, one each
        (
            ["--connector-spec", str(REPOHOST / "connector_spec.yaml")],
            '{"project": "p0"}',
            0,
            [
                "warning: option 'colour' of tables groups, pipelines is not in the connector's "
                "external_options_allowlist",
                "warning: option 'depth' of table groups",
                "externalOptionsAllowList",
            ],
        ),
        ([], "{}", 0, ["note: table options not checked: no connector_spec.yaml"]),
    ],
)
def test_table_options_are_checked_against_the_connectors_spec(
    repohost_plan: Path,
    tmp_path: Path,
    spec_args: list[str],
    common: str,
    code: int,
    words: list[str],
) -> None:
    result = render_cli(
        repohost_plan,
        tmp_path / "out",
        *WORKSPACE,
        *spec_args,
        "--common-table-config-json",
        common,
    )
    assert result.exit_code == code, result.output
    for w in words:
        assert w in result.output, result.output
    assert "option 'tableName'" not in result.output  # upstream's CLI always allows it
    assert ("note: connection 'repohost_connection' is the default name") in result.output or (
        result.exit_code != 0
    )


def test_a_named_connection_gets_no_note(repohost_plan: Path, tmp_path: Path) -> None:
    result = render_cli(
        repohost_plan,
        tmp_path / "out",
        *WORKSPACE,
        "--connection-name",
        "rh_conn",
        "--common-table-config-json",
        '{"project": "p0"}',
    )
    assert result.exit_code == 0, result.output
    assert "is the default name" not in result.output
