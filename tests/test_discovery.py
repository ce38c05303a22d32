"""`balancer discover` on small connector modules that mimic the real interface."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from balancer.cli import main
from balancer.errors import InputError
from balancer.io import read_tables
from balancer.io.discovery import categorize, discover

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "connectors"
SHOP = str(FIXTURES / "flat" / "shop_source.py")
PLANT = str(FIXTURES / "plantpkg" / "plant.py")


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open() as fh:
        return {r["source_table"]: r for r in csv.DictReader(fh)}


def test_class_lists_then_prefix_map_then_first_token() -> None:
    tables, warnings = discover(SHOP, prefix_map={"gift": "payments", "g": "other"})
    got = {t.source_table: (t.category, t.ingestion_type) for t in tables}
    assert got == {
        "orders": ("sales", "cdc_with_deletes"),
        "refunds": ("sales", "cdc"),
        "products": ("catalog", "cdc"),
        "customer_notes": ("customer", "cdc"),
        "giftcards": ("payments", "cdc"),
    }
    assert warnings == []


def test_module_level_lists_in_a_sibling_module_by_path_and_by_module_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    by_path, _ = discover(PLANT)
    monkeypatch.syspath_prepend(str(FIXTURES))
    by_name, _ = discover("plantpkg.plant")
    for tables in (by_path, by_name):
        got = {t.source_table: t.category for t in tables}
        assert got == {
            "plant_readings": "time_series",
            "plant_events": "time_series",
            "plant_assets": "assets",
            "plant_units": "plant",
        }
    readings = next(t for t in by_path if t.source_table == "plant_readings")
    assert (readings.primary_keys, readings.cursor_field, readings.ingestion_type) == (
        ("tag", "ts"),
        "ts",
        "append",
    )


@pytest.mark.parametrize(
    ("name", "expected"), [("x", "unknown"), ("_x", "unknown"), ("ab_cd", "ab")]
)
def test_fallback_categories(name: str, expected: str) -> None:
    assert categorize(name, {}, {}) == expected


def test_first_metadata_failure_stops_with_table_and_error() -> None:
    with pytest.raises(
        InputError, match=r"metadata of table 'broken_table' failed: PermissionError: 403 Forbidden"
    ):
        discover(SHOP, init_options={"include_broken": "yes"})


def test_best_effort_labels_failures_unknown_and_says_why() -> None:
    tables, warnings = discover(SHOP, init_options={"include_broken": "yes"}, best_effort=True)
    broken = next(t for t in tables if t.source_table == "broken_table")
    assert broken.ingestion_type == "unknown"
    assert len(warnings) == 1 and "broken_table" in warnings[0] and "403" in warnings[0]


def test_cli_writes_a_tables_csv_that_solves(tmp_path: Path) -> None:
    out = tmp_path / "tables.csv"
    prefix = tmp_path / "prefix.json"
    prefix.write_text('{"gift": "payments"}')
    result = CliRunner().invoke(
        main,
        [
            "discover",
            SHOP,
            "-o",
            str(out),
            "--category-prefix-map-json",
            str(prefix),
            "--schedule-cdc",
            "*/10 * * * *",
            "--init-options-json",
            '{"include_broken": "yes"}',
            "--best-effort",
        ],
    )
    assert result.exit_code == 0, result.output
    got = rows(out)
    assert got["giftcards"]["category"] == "payments"
    assert got["orders"]["schedule"] == "*/10 * * * *" and got["orders"]["primary_keys"] == '["id"]'
    assert got["broken_table"]["ingestion_type"] == "unknown" and "broken_table" in result.output
    catalog = read_tables(out)
    assert len(catalog.tables) == 6
    plan_out = tmp_path / "plan.json"
    solved = CliRunner().invoke(
        main, ["solve", "--tables", str(out), "--pipelines", "3", "-o", str(plan_out), "-q"]
    )
    assert solved.exit_code == 0, solved.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["nope_not_a_module_xyz"], "cannot import connector"),
        ([str(FIXTURES / "plantpkg" / "plant_constants.py")], "no LakeflowConnect subclass"),
        ([SHOP, "--init-options-json", "{bad"], "not valid JSON"),
        ([SHOP, "--schedule-cdc", "every minute"], "fields"),
    ],
)
def test_bad_discovery_inputs_exit_2(
    tmp_path: Path, args: list[str], words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LAKEFLOW_CONNECTORS_SRC", raising=False)  # no checkout to look in
    result = CliRunner().invoke(main, ["discover", *args, "-o", str(tmp_path / "t.csv")])
    assert result.exit_code == 2 and words in result.output
    assert not (tmp_path / "t.csv").exists()


def test_a_connector_that_needs_pyspark_says_which_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = tmp_path / "needs_spark.py"
    connector.write_text("from pyspark.sql.types import StructType\n")
    for name in [m for m in sys.modules if m == "pyspark" or m.startswith("pyspark.")]:
        monkeypatch.setitem(sys.modules, name, None)  # as on a machine without pyspark
    monkeypatch.setitem(sys.modules, "pyspark", None)
    result = CliRunner().invoke(main, ["discover", str(connector), "-o", str(tmp_path / "t.csv")])
    assert result.exit_code == 2
    assert "needs 'pyspark'" in result.output and "pip install '.[discover]'" in result.output
    assert not (tmp_path / "t.csv").exists()


LISTING = """
class LakeflowConnect:
    pass


class Lister(LakeflowConnect):
    def __init__(self, options):
        pass

    def list_tables(self):
        return {names!r}

    def read_table_metadata(self, name, options):
        return {{"ingestion_type": "snapshot"}}
"""


def _listing(tmp_path: Path, names: list[str]) -> Path:
    path = tmp_path / "lister" / "lister.py"
    path.parent.mkdir()
    path.write_text(LISTING.format(names=names), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("names", "words"),
    [
        (["Orders", "orders"], ["item 2 'orders'", "item 1 'Orders'", "differ only in case"]),
        (["caf\u00e9", "cafe\u0301"], ["item 2", "item 1", "Unicode form"]),
        (["a", "b", "B"], ["item 3 'B'", "item 2 'b'"]),
        (["sales.orders"], ["'sales.orders'", "period", "'sales_orders'"]),
        (["sales/orders"], ["slash"]),
        (["my orders"], ["space"]),
        (["x" * 256], ["256 characters"]),
        (["x" * 1025], ["not a table name", "1025 characters"]),
        (["a\x00b"], ["not a table name", "NUL"]),
        (["\x1b[31mred"], ["not a table name", "'\\x1b[31mred'"]),
    ],
)
def test_names_unity_catalog_cannot_hold_or_tell_apart_are_refused(
    tmp_path: Path, names: list[str], words: list[str]
) -> None:
    out = tmp_path / "tables.csv"
    result = CliRunner().invoke(main, ["discover", str(_listing(tmp_path, names)), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert all(w in result.output for w in words), result.output
    assert "Traceback" not in result.output and not out.exists()


def test_names_unity_catalog_can_hold_are_written(tmp_path: Path) -> None:
    out = tmp_path / "tables.csv"
    names = ["Orders_2", "表", "o'brien", "a-b"]
    result = CliRunner().invoke(main, ["discover", str(_listing(tmp_path, names)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [t.source_table for t in read_tables(out).tables] == names


@pytest.mark.parametrize(
    ("spec", "output"),
    [
        ("path", "plant.py"),  # the connector itself, given by path
        ("path", "plant_constants.py"),  # a sibling module whose lists discover reads
        ("module", "plant.py"),  # the connector, given by module name
        ("module", "plant_constants.py"),
    ],
)
def test_discover_never_writes_onto_the_connector_or_the_files_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str, output: str
) -> None:
    import shutil

    name = f"plantcopy_{spec}_{output.split('.')[0]}"  # not imported before in this process
    package = tmp_path / name
    shutil.copytree(FIXTURES / "plantpkg", package)
    before = {p.name: p.read_bytes() for p in package.glob("*.py")}
    monkeypatch.syspath_prepend(str(tmp_path))
    connector = str(package / "plant.py") if spec == "path" else f"{name}.plant"
    result = CliRunner().invoke(main, ["discover", connector, "-o", str(package / output)])
    assert result.exit_code == 2 and "also an input" in result.output, result.output
    assert {p.name: p.read_bytes() for p in package.glob("*.py")} == before


CHECKOUT = Path(__file__).resolve().parent / "fixtures" / "checkout"
HELPDESK_DIR = CHECKOUT / "src/databricks/labs/community_connector/sources/helpdesk"
CREDENTIALS = '{"site": "acme", "login": "me", "api_key": "k"}'


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["helpdesk", "--connector-src", str(CHECKOUT)], {}),
        (["helpdesk"], {"LAKEFLOW_CONNECTORS_SRC": str(CHECKOUT / "src")}),
        ([str(HELPDESK_DIR)], {}),  # the connector's folder
        ([str(HELPDESK_DIR / "helpdesk.py")], {}),
    ],
)
def test_a_connector_needing_credentials_names_all_of_them_at_once(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(main, ["discover", *args, "-o", str(out)], env=env)
    assert result.exit_code == 2, result.output
    assert "site, login, api_key (secret) are not given" in result.output
    assert "KeyError: 'site'" in result.output  # what the connector said, kept
    assert '{"site": "...", "login": "...", "api_key": "..."}' in result.output
    assert "connector_spec.yaml" in result.output and not out.exists()
    given = tmp_path / "creds.json"
    given.write_text(CREDENTIALS, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["discover", *args, "--init-options-json", str(given), "-o", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    assert rows(out)["tickets"]["category"] == "ticket"


def test_a_source_name_without_a_checkout_says_how_to_give_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LAKEFLOW_CONNECTORS_SRC", raising=False)
    result = CliRunner().invoke(
        main, ["discover", "helpdesk_nowhere", "-o", str(tmp_path / "t.csv")]
    )
    assert result.exit_code == 2
    assert "--connector-src" in result.output and "LAKEFLOW_CONNECTORS_SRC" in result.output


@pytest.mark.parametrize(
    ("table", "names", "category"),
    [
        ("tickets", ["tickets", "ticket_events"], "ticket"),  # plural of a first token
        ("ticket", ["ticket", "ticket_events"], "ticket"),
        ("queue", ["queue", "queues_archive"], "queues"),  # the name is a first token
        ("agents", ["agents", "ticket_events"], "helpdesk"),  # else the connector's name
        ("Macros", ["Macros"], "helpdesk"),
        ("ticket_events", ["ticket_events"], "ticket"),
    ],
)
def test_names_without_an_underscore_get_a_stated_category(
    table: str, names: list[str], category: str
) -> None:
    assert categorize(table, {}, {}, names, "Helpdesk") == category


@pytest.mark.parametrize(
    ("output", "plan_name", "warned"),
    [
        ("helpdesk.csv", "helpdesk", False),
        ("inputs/tables.csv", "inputs", True),
        ("helpdesk/tables.csv", "helpdesk", False),
        ("other.csv", "other", True),
    ],
)
def test_the_plan_name_follows_the_tables_file_and_discover_says_when_it_is_not_the_connector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: str, plan_name: str, warned: bool
) -> None:
    from balancer.names import folder_key

    monkeypatch.chdir(tmp_path)
    (tmp_path / output).parent.mkdir(parents=True, exist_ok=True)
    given = tmp_path / "creds.json"
    given.write_text(CREDENTIALS, encoding="utf-8")
    args = ["discover", "helpdesk", "--connector-src", str(CHECKOUT), "--init-options-json"]
    result = CliRunner().invoke(main, [*args, str(given), "-o", output])
    assert result.exit_code == 0, result.output
    assert folder_key(output) == plan_name
    assert ("pass solve --name helpdesk" in result.output) is warned


def test_discover_writes_to_the_connectors_name_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["discover", str(HELPDESK_DIR), "--init-options-json", CREDENTIALS]
    )
    assert result.exit_code == 0, result.output
    assert "helpdesk.csv" in result.output and (tmp_path / "helpdesk.csv").is_file()


@given(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True), min_size=1, max_size=8))
def test_every_discovered_name_gets_a_category_not_unknown(names: list[str]) -> None:
    for name in names:
        category = categorize(name, {}, {}, names, "Source")
        assert category and category != "unknown" and category == category.lower()
        if "_" not in name.strip("_"):
            tokens = {n.strip("_").split("_")[0] for n in names if "_" in n.strip("_")}
            assert category in tokens or category == "source"
