"""tables.csv: every bad input gives one message with file, row, column and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from balancer.errors import InputError
from balancer.io import read_tables
from tests.helpers import EXAMPLES


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "tables.csv"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("", None, None, "empty"),
        ("source_table\n", None, None, "no tables"),
        ("name,category\na,x\n", 1, "source_table", "required column 'source_table' is missing"),
        ("source_table\na\nb\na\n", 4, "source_table", "listed twice (first in row 2)"),
        ("source_table,ingestion_type\na,streaming\n", 2, "ingestion_type", "is not one of"),
        ("source_table,schedule\na,99 99 * * *\n", 2, "schedule", "outside 0-59"),
        ("source_table,schedule\na,0 0 * *\n", 2, "schedule", "4 fields"),
        ("source_table,schedule\na,0 0 * * 8\n", 2, "schedule", "not valid"),
        (
            'source_table,table_configuration_json\na,"{bad json"\n',
            2,
            "table_configuration_json",
            "not valid JSON",
        ),
        (
            'source_table,table_configuration_json\na,"[1,2]"\n',
            2,
            "table_configuration_json",
            "must be an object",
        ),
        (
            'source_table,table_options_json\na,"{""k"": null}"\n',
            2,
            "table_options_json",
            "is null",
        ),
        ("source_table,weight\na,-3\n", 2, "weight", "from 0 to 604800"),
        ("source_table,weight\na,abc\n", 2, "weight", "not a number"),
        ('source_table,primary_keys\na,"[""id"""\n', 2, "primary_keys", "not valid JSON"),
        ("source_table,pin\na,my pipeline!\n", 2, "pin", "cannot name a pipeline"),
        ("source_table,category\n,x\n", 2, "source_table", "source_table is empty"),
        ("source_table,category\na,x,extra\n", 2, None, "3 cells"),
        ("source_table,source_table\na,a\n", 1, "source_table", "appears twice"),
        (
            'source_table,table_configuration_json\na,"{""primary_keys"": 5}"\n',
            2,
            "table_configuration_json",
            "list of column names",
        ),
        (
            'source_table,table_configuration_json\na,"{""scd_type"": ""SCD3""}"\n',
            2,
            "table_configuration_json",
            "must be one of SCD_TYPE_1",
        ),
        (
            'source_table,primary_keys,table_configuration_json\na,id,"{""primary_keys"": [""x""]}"\n',
            2,
            "table_configuration_json",
            "differ",
        ),
    ],
)
def test_bad_tables_inputs(
    tmp_path: Path, text: str, row: int | None, column: str | None, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_tables(path)
    err = info.value
    assert words in str(err)
    assert err.where.file == str(path)
    assert err.where.row == row
    assert err.where.column == column
    assert err.exit_code == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_tables(tmp_path / "nope.csv")


def test_ingestion_controls_keep_their_types_and_options_become_strings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "source_table,ingestion_type,cursor_field,table_configuration_json\n"
        'a,cdc,ts,"{""primary_keys"": [""id"", ""repo""], ""scd_type"": ""scd_type_2"", '
        '""cluster_by"": ""repo, day"", ""labels"": [""x""], ""n"": 3}"\n'
        'b,append,,"{""sequence_by"": [""seq""]}"\n',
    )
    a, b = read_tables(path).tables
    assert (a.primary_keys, a.scd_type, a.cluster_by) == (
        ("id", "repo"),
        "SCD_TYPE_2",
        ("repo", "day"),
    )
    assert a.table_configuration == (("labels", '["x"]'), ("n", "3"))
    assert a.controls.sequence_by == ("ts",)  # the cursor field orders a cdc table's changes
    assert b.controls.sequence_by == ("seq",) and b.table_configuration == ()


def test_full_catalog_row_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "source_table,destination_table,category,ingestion_type,schedule,weight,primary_keys,"
        "cursor_field,table_configuration_json,pin,together,apart\n"
        'a,a_dst,cat,cdc,*/10  * * * *,12.5,"[""id"", ""ts""]",ts,"{""maxCount"": 10, ""flag"": true}",'
        "hot,g1,x;y\n",
    )
    t = read_tables(path).tables[0]
    assert (t.destination_table, t.category, t.ingestion_type, t.schedule) == (
        "a_dst",
        "cat",
        "cdc",
        "*/10 * * * *",
    )
    assert (t.weight, t.primary_keys, t.cursor_field) == (12.5, ("id", "ts"), "ts")
    assert t.table_configuration == (("maxCount", "10"), ("flag", "true"))
    assert (t.pin, t.together, t.apart) == ("hot", "g1", ("x", "y"))
    assert not t.schedule_is_default


@pytest.mark.parametrize(
    ("itype", "cron"),
    [
        ("snapshot", "0 0 * * *"),
        ("append", "*/15 * * * *"),
        ("cdc", "*/5 * * * *"),
        ("cdc_with_deletes", "*/5 * * * *"),
    ],
)
def test_default_schedules(tmp_path: Path, itype: str, cron: str) -> None:
    t = read_tables(write(tmp_path, f"source_table,ingestion_type\na,{itype}\n")).tables[0]
    assert (t.schedule, t.schedule_is_default) == (cron, True)


def test_schedule_overrides(tmp_path: Path) -> None:
    cat = read_tables(
        write(tmp_path, "source_table,ingestion_type\na,append\n"), {"append": "0 * * * *"}
    )
    assert cat.tables[0].schedule == "0 * * * *"


def test_seed_preset_csv_loads_unchanged(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "source_table,category,table_configuration_json\n"
        'pi_points,discovery_inventory,"{""maxCount"": ""1000""}"\npi_plot,time_series,\n',
    )
    cat = read_tables(path)
    assert [t.source_table for t in cat.tables] == ["pi_points", "pi_plot"]
    assert cat.tables[0].table_configuration == (("maxCount", "1000"),)
    assert any("no ingestion_type" in w for w in cat.warnings)


def test_seed_discovery_csv_loads_and_warns_about_pipeline_group(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "source_table,connection_name,destination_catalog,destination_schema,pipeline_group,"
        "schedule,table_options_json,weight\n"
        'contacts,conn,main,bronze,grp1,0 2 * * *,"{""maxCount"":""10000""}",100\n',
    )
    cat = read_tables(path)
    t = cat.tables[0]
    assert dict(t.extra) == {
        "connection_name": "conn",
        "destination_catalog": "main",
        "destination_schema": "bronze",
        "pipeline_group": "grp1",
    }
    assert t.table_configuration == (("maxCount", "10000"),)
    assert any("pipeline_group" in w for w in cat.warnings)


def test_unknown_columns_are_warned_about(tmp_path: Path) -> None:
    cat = read_tables(write(tmp_path, "source_table,size_gb\na,3\n"))
    assert any("size_gb" in w for w in cat.warnings)


def test_connector_catalogs_load() -> None:
    osipi = read_tables(EXAMPLES / "osipi" / "tables.csv")
    types = [t.ingestion_type for t in osipi.tables]
    assert (len(types), types.count("snapshot"), types.count("append")) == (39, 29, 10)
    sap = read_tables(EXAMPLES / "sap_successfactors" / "tables.csv")
    types = [t.ingestion_type for t in sap.tables]
    assert (len(types), types.count("cdc"), types.count("snapshot")) == (250, 163, 87)


NFC, NFD = "caf\u00e9", "cafe\u0301"

# (tables.csv, the row and column the error names, words, the other row it names)
COLLIDING = [
    ("source_table\nOrders\norders\n", 3, "source_table", "differ only in case", 2),
    (f"source_table\n{NFC}\n{NFD}\n", 3, "source_table", "Unicode form", 2),
    ("source_table,destination_table\na,d\nb,d\n", 3, "destination_table", "same name", 2),
    ("source_table,destination_table\na,D\nb,d\n", 3, "destination_table", "in case", 2),
    ("source_table,destination_table\na,orders\norders,o2\n", 3, "source_table", "same", 2),
    ("source_table,destination_table\norders,\nb,ORDERS\n", 3, "destination_table", "case", 2),
    (
        "source_table,destination_table,destination_schema\na,d,s\nb,D,S\n",
        3,
        "destination_table",
        "case",
        2,
    ),
]


@pytest.mark.parametrize(("text", "row", "column", "words", "other"), COLLIDING)
def test_tables_unity_catalog_cannot_tell_apart_are_refused_naming_both_rows(
    tmp_path: Path, text: str, row: int, column: str, words: str, other: int
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_tables(path)
    err = info.value
    assert (err.where.file, err.where.row, err.where.column) == (str(path), row, column)
    assert (
        words in err.problem and f"(row {other})" in err.problem and f"(row {row})" in err.problem
    )
    assert "one table to Unity Catalog" in err.problem and err.fix


BAD_NAMES = [
    ("source_table\na.b\n", "source_table", "period"),
    ("source_table\nsales/orders\n", "source_table", "slash"),
    ("source_table\nmy orders\n", "source_table", "space"),
    ("source_table,destination_table\nok,a.b\n", "destination_table", "period"),
    ("source_table,destination_table\nok,a/b\n", "destination_table", "slash"),
    ('source_table,destination_table\nok,"a b"\n', "destination_table", "space"),
    (f"source_table\n{'x' * 256}\n", "source_table", "256 characters"),
    (f"source_table,destination_table\nok,{'x' * 256}\n", "destination_table", "256 characters"),
    (f"source_table,destination_table\n{'x' * 1025},ok\n", "source_table", "1025 characters"),
    ("source_table,destination_table\nok,${var.catalog}\n", "destination_table", "period"),
    ("source_table,destination_table\nok,${x}\n", "destination_table", "reference"),
    ("source_table,destination_schema\nok,a.b\n", "destination_schema", "period"),
    ("source_table,destination_catalog\nok,a b\n", "destination_catalog", "space"),
    ('source_table\n"a\x00b"\n', "source_table", "NUL"),
]


@pytest.mark.parametrize(("text", "column", "words"), BAD_NAMES)
def test_names_unity_catalog_cannot_hold_are_refused(
    tmp_path: Path, text: str, column: str, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_tables(path)
    err = info.value
    assert (err.where.row, err.where.column) == (2, column) and words in err.problem, err
    assert err.fix and err.exit_code == 2


@pytest.mark.parametrize(
    "text",
    [
        "source_table,destination_table\nsales.orders,sales_orders\n",  # the connector's name
        "source_table,destination_table\nOrders,o1\norders,o2\n",  # apart in Unity Catalog
        "source_table,destination_table,destination_schema\na,d,x\nb,d,y\n",  # two schemas
        "source_table,destination_table\nOrders,orders\n",  # one table's own two names
    ],
)
def test_names_unity_catalog_can_hold_are_read(tmp_path: Path, text: str) -> None:
    assert read_tables(write(tmp_path, text)).tables
