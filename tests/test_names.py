"""balancer.names: every naming rule, every kind of collision (naming both rows), and two
properties: names Unity Catalog takes as one are refused together, and a name the rule
accepts reads back unchanged from the bundle's YAML."""

from __future__ import annotations

import functools
import unicodedata

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from balancer.deployment import name_key
from balancer.errors import Location
from balancer.io.plan_check import read_plan
from balancer.model import Plan, Table
from balancer.names import (
    Named,
    collision_text,
    plain_name_problem,
    relative_path_problem,
    shown,
    source_problem,
    table_collision,
    table_name_problem,
    uc_collision,
    uc_key,
    uc_problem,
    uc_suggestion,
)
from render.bundle import databricks_yml
from render.options import RenderOptions
from tests.helpers import plan_of, tables_of

CAFE_NFC = unicodedata.normalize("NFC", "café")
CAFE_NFD = unicodedata.normalize("NFD", "café")

UC_ACCEPTS = [
    "orders",
    "Orders_2",
    "a-b",
    "a`b",
    "o'brien",
    'say"hi"',
    "back\\slash",
    "表",
    CAFE_NFC,
    "x" * 255,
    "$dollar",
    "{braces}",
]


@pytest.mark.parametrize("name", UC_ACCEPTS)
def test_unity_catalog_takes(name: str) -> None:
    assert uc_problem(name) is None


UC_REFUSES = [
    ("", "empty"),
    ("a.b", "period"),
    ("a/b", "slash"),
    ("a b", "space"),
    (" lead", "space"),
    ("a\x00b", "NUL"),
    ("a\tb", "control character '\\t'"),
    ("a\nb", "control character '\\n'"),
    ("\x1b[31mred", "control character '\\x1b'"),
    ("a\x7fb", "control character '\\x7f'"),  # DELETE
    ("a\x85b", "control character"),  # C1 control
    ("a\u202eb", "control character"),  # right-to-left override
    ("a\u2028b", "control character"),  # line separator
    ("a\u00a0b", "control character"),  # no-break space
    ("x" * 256, "256 characters long"),
    ("${catalog}", "reference"),
    ("a${b}", "reference"),
    (7, "not text"),
    (None, "not text"),
]


@pytest.mark.parametrize(("name", "words"), UC_REFUSES)
def test_unity_catalog_refuses(name: object, words: str) -> None:
    problem = uc_problem(name)
    assert problem is not None and words in problem


def test_length_counts_the_nfc_form_too() -> None:
    # U+0958 has no composed form: NFC turns it into two characters
    name = "\u0958" * 128
    assert len(name) == 128 and len(unicodedata.normalize("NFC", name)) == 256
    assert "256 characters" in (uc_problem(name) or "")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Orders", "orders"),
        ("ORDERS", "orders"),
        (CAFE_NFC, CAFE_NFD),
        ("CAFÉ", CAFE_NFD),
        ("Straße", "STRASSE"),
        ("\u212b", "å"),  # ANGSTROM SIGN is A with ring to NFC
    ],
)
def test_one_name_to_unity_catalog(a: str, b: str) -> None:
    assert a != b and uc_key(a) == uc_key(b)
    assert name_key(a) == name_key(b)  # deploy compares with the same key


@pytest.mark.parametrize(
    ("a", "b"), [("orders", "orders_"), ("a-b", "a_b"), ("cafe", CAFE_NFC), ("o1", "ol")]
)
def test_two_names_to_unity_catalog(a: str, b: str) -> None:
    assert uc_key(a) != uc_key(b)


@pytest.mark.parametrize("name", ["a.b", "sales/orders", "with space", "x" * 1024, "表.表"])
def test_source_names_are_the_connectors(name: str) -> None:
    assert source_problem(name) is None


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a\x00", "NUL"),
        ("a\nb", "control character"),
        ("\x1b]0;title\x07", "control character"),
        ("x" * 1025, "1025 characters"),
        (None, "not text"),
    ],
)
def test_source_names_refused(name: object, words: str) -> None:
    assert words in (source_problem(name) or "")


PLAIN = [
    ("lakeflow", True, True),
    ("osipi_balanced_v2", True, True),
    ("a-b", True, True),
    ("_x", True, True),
    ("ingest_p_01.py", True, False),
    ("pkg-1.0+local-py3-none-any.whl", True, False),
    ("..", False, False),
    (".", False, False),
    (".hidden", False, False),
    ("-rf", False, False),
    ("+x", False, False),
    ("a/b", False, False),
    ("../../Shared/evil", False, False),
    ("a b", False, False),
    ("a\nbundle: x", False, False),
    ("a:b", False, False),
    ("a\\b", False, False),
    ("é", False, False),
    ("", False, False),
    ("x" * 100, True, True),
    ("x" * 101, False, False),
    (None, False, False),
]


@pytest.mark.parametrize(("text", "plain", "key"), PLAIN)
def test_plain_names_and_keys(text: object, plain: bool, key: bool) -> None:
    assert (plain_name_problem(text) is None) == plain
    assert (plain_name_problem(text, dots=False) is None) == key


@pytest.mark.parametrize(
    ("suffix", "ok"),
    [("", True), ("_v2", True), ("-dev", True), (".1", True), ("/../x", False), ("\n", False)],
)
def test_a_suffix_is_a_part_of_a_plain_name(suffix: str, ok: bool) -> None:
    assert (plain_name_problem(suffix, part=True) is None) == ok


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ("databricks.yml", True),
        ("deploy/pipelines/p_01.json", True),
        ("wheels/pkg-1.0-py3-none-any.whl", True),
        ("../outside.json", False),
        ("deploy/../../x", False),
        ("/etc/passwd", False),
        ("deploy//x", False),
        ("deploy/x/", False),
        ("src/.hidden", False),
        ("", False),
    ],
)
def test_relative_paths_are_plain_names_joined_by_slashes(path: str, ok: bool) -> None:
    assert (relative_path_problem(path) is None) == ok


def test_suggestions_are_names_unity_catalog_takes() -> None:
    for name, _ in UC_REFUSES:
        if isinstance(name, str) and name:
            assert uc_problem(uc_suggestion(name)) is None, name
    assert uc_suggestion("a.b/c d") == "a_b_c_d"


def test_messages_show_names_escaped_and_cut() -> None:
    assert shown("a\x1b[2Jb") == "'a\\x1b[2Jb'"
    assert len(shown("x" * 1000)) == 62


def t(source: str, destination: str = "", row: int = 0, **extra: str) -> Table:
    return Table(source, destination or source, extra=tuple(extra.items()), row=row)


def at(table: Table, column: str) -> Location:
    return Location("tables.csv", table.row, column)


COLLISIONS = [
    ("case twins", [t("Orders", row=2), t("orders", row=3)], "differ only in case"),
    ("NFC/NFD twins", [t(CAFE_NFC, row=2), t(CAFE_NFD, row=3)], "Unicode form"),
    ("one destination_table", [t("a", "d", 2), t("b", "d", 3)], "same name"),
    ("destinations by case", [t("a", "D", 2), t("b", "d", 3)], "differ only in case"),
    ("destination is a source", [t("a", "orders", 2), t("orders", "o2", 3)], "same name"),
    ("destination is a source by case", [t("a", "Orders", 2), t("orders", row=3)], "case"),
    (
        "one schema of their own",
        [t("a", "d", 2, destination_schema="S"), t("b", "D", 3, destination_schema="s")],
        "case",
    ),
]


@pytest.mark.parametrize(("kind", "tables", "words"), COLLISIONS, ids=[c[0] for c in COLLISIONS])
def test_each_collision_names_both_rows(kind: str, tables: list[Table], words: str) -> None:
    pair = table_collision(tables, at)
    assert pair is not None, kind
    text = collision_text(pair)
    assert "(row 2)" in text and "(row 3)" in text and words in text
    assert {pair[0].owner, pair[1].owner} == {tables[0].source_table, tables[1].source_table}


APART = [
    ("distinct", [t("a", row=2), t("b", row=3)]),
    ("one table's own source and destination", [t("Orders", "orders", 2)]),
    (
        "one name in two schemas",
        [t("a", "d", 2, destination_schema="x"), t("b", "d", 3, destination_schema="y")],
    ),
    ("case twin sources, destinations apart", [t("Orders", "o1", 2), t("orders", "o2", 3)]),
    ("sources equal to their own destinations", [t("a", "a", 2), t("b", "b", 3)]),
]


@pytest.mark.parametrize(("kind", "tables"), APART, ids=[c[0] for c in APART])
def test_tables_unity_catalog_tells_apart(kind: str, tables: list[Table]) -> None:
    assert table_collision(tables, at) is None, kind


@pytest.mark.parametrize(
    ("table", "column", "words"),
    [
        (t("a.b"), "source_table", "also the table's destination"),
        (t("ok", "a b"), "destination_table", "space"),
        (t("ok", "a/b"), "destination_table", "slash"),
        (t("ok", "x" * 256), "destination_table", "256 characters"),
        (t("a\x00"), "source_table", "NUL"),
        (t("sales.orders", "orders"), None, ""),
        (t("ok", destination_schema="a.b"), "destination_schema", "period"),
        (t("ok", destination_catalog="${x}"), "destination_catalog", "reference"),
        (t("ok", connection_name="a.b"), None, ""),  # not a place a table lands
    ],
)
def test_table_names(table: Table, column: str | None, words: str) -> None:
    problem = table_name_problem(table)
    if column is None:
        assert problem is None
    else:
        assert problem is not None and problem.column == column and words in problem.problem
        assert problem.fix


def test_against_names_never_collide_with_each_other() -> None:
    here = Location("f")
    sources = [Named("Orders", here, "Orders"), Named("orders", here, "orders")]
    assert uc_collision([], sources) is None
    assert uc_collision([Named("ORDERS", here, "x")], sources) is not None


# --- properties --------------------------------------------------------------------------

# letters whose case, composition and folding make twins
twin_letters = st.sampled_from(["a", "A", "e", "E", "é", "É", "\u0301", "s", "S", "ß", "k", "K"])
twin_names = st.lists(twin_letters, min_size=1, max_size=6).map("".join)


@settings(max_examples=300, deadline=None)
@given(twin_names, twin_names)
def test_names_one_to_unity_catalog_are_refused_together(a: str, b: str) -> None:
    assume(a != b and uc_problem(a) is None and uc_problem(b) is None)
    tables = [t(a, row=2), t(b, row=3)]
    pair = table_collision(tables, at)
    assert (pair is not None) == (uc_key(a) == uc_key(b))
    destinations = [t("s1", a, 2), t("s2", b, 3)]
    assert (table_collision(destinations, at) is not None) == (uc_key(a) == uc_key(b))


@functools.cache
def _plan() -> Plan:
    return plan_of(tables_of([{"weight": 10}]), pipelines_min=1, pipelines_max=1)


def _uc_names() -> st.SearchStrategy[str]:
    return st.text(min_size=1, max_size=40).filter(lambda n: uc_problem(n) is None)


@settings(max_examples=150, deadline=None)
@given(_uc_names(), _uc_names(), _uc_names())
def test_any_name_unity_catalog_takes_reads_back_from_the_bundle(
    catalog: str, schema: str, connection: str
) -> None:
    options = RenderOptions("src", connection, catalog, schema, mode="workspace")
    doc = yaml.safe_load(databricks_yml(_plan(), options))
    defaults = {k: v["default"] for k, v in doc["variables"].items()}
    assert (defaults["catalog"], defaults["schema"], defaults["connection_name"]) == (
        catalog,
        schema,
        connection,
    )
    assert doc["targets"]["prod"]["variables"]["schema"] == schema


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20), st.text(max_size=20))
def test_nul_never_passes(left: str, right: str) -> None:
    name = f"{left}\x00{right}"
    assert uc_problem(name) and source_problem(name) and plain_name_problem(name)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_a_plain_name_is_one_path_segment_inside_its_folder(text: str) -> None:
    if plain_name_problem(text) is None:
        from pathlib import PurePosixPath

        path = PurePosixPath("/root") / text
        assert path.parent == PurePosixPath("/root") and path.name == text
        assert text not in (".", "..") and "\n" not in text
        assert yaml.safe_load(yaml.safe_dump({"k": text})) == {"k": text}


def test_the_osipi_plan_passes_every_rule(osipi_plan: object) -> None:
    plan = read_plan(str(osipi_plan))
    assert all(table_name_problem(x) is None for x in plan.tables)
    assert table_collision(plan.tables, lambda x, c: Location(column=c)) is None
