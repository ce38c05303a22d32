"""Ingest files: valid Python that evaluates to exactly the spec, for any names and options."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.model import PipelinePlan, Table
from render.ingest import pipeline_spec, render_ingest
from render.literal import python_literal
from render.options import RenderOptions
from tests.helpers import run_ingest_file

FRAGMENTS = [
    '"',
    "'",
    "\\",
    "\n",
    "\r",
    "\t",
    "{{",
    "}}",
    '"""',
    "'''",
    "#",
    "\x00",
    "é",
    "表",
    "🙂",
    "{% if %}",
]
nasty = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.characters()), max_size=12).map("".join)
# the source name is a path in a connectors checkout: RenderOptions takes plain names only
plain = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.+-]{0,20}", fullmatch=True)


def assigned_literal(source: str, name: str) -> object:
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned")


CONF = "lakeflow_balancer."


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(nasty, nasty, st.dictionaries(nasty, nasty, max_size=3)),
        min_size=1,
        max_size=4,
        unique_by=lambda x: x[0],
    ),
    plain,
    nasty,
    nasty,
    st.booleans(),
)
def test_any_names_and_options_round_trip(
    rows: list[tuple[str, str, dict[str, str]]],
    source: str,
    connection: str,
    catalog: str,
    legacy: bool,
) -> None:
    tables = {
        name: Table(
            source_table=name, destination_table=dest, table_configuration=tuple(cfg.items())
        )
        for name, dest, cfg in rows
    }
    pipeline = PipelinePlan("p_01", "p_01", "all", "0 0 * * *", tuple(tables), 1, 1)
    options = RenderOptions(source_name=source, connection_name="unused", legacy_layout=legacy)
    text = render_ingest(pipeline, tables, options)
    conf = {CONF + "catalog": catalog, CONF + "schema": "s", CONF + "connection_name": connection}
    spec = run_ingest_file(text, conf)
    assert spec == pipeline_spec(pipeline, tables, options, catalog, "s", connection)
    assert assigned_literal(text, "source_name") == source
    assert [o["table"]["source_table"] for o in spec["objects"]] == list(tables)
    # no line of the file is a line taken from a name or an option: names arrive as literals
    file_lines = {line.strip() for line in text.splitlines()}
    for name, dest, cfg in rows:
        for piece in (name, dest, *cfg, *cfg.values()):
            for line in piece.splitlines()[1:]:
                assert len(line.strip()) < 3 or line.strip() not in file_lines


@given(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), nasty),
        lambda c: st.lists(c) | st.dictionaries(nasty, c),
    )
)
def test_literals_evaluate_to_their_value(value: object) -> None:
    assert ast.literal_eval(python_literal(value)) == value


def test_the_entry_file_follows_todays_connector_pattern() -> None:
    t = Table("pi_points", "pi_points", table_configuration=(("maxCount", "1000"),))
    pipeline = PipelinePlan(
        "osipi_snapshot_01", "osipi_snapshot_01", "snapshot", "0 0 * * *", ("pi_points",), 1, 1
    )
    options = RenderOptions("osipi", "unused", common_table_config=(("maxCount", "5"), ("x", "1")))
    text = render_ingest(pipeline, {"pi_points": t}, options)
    for line in (
        "from databricks.labs.community_connector.pipeline import ingest",
        "from databricks.labs.community_connector import register",
        'spark.conf.set("spark.databricks.unityCatalog.connectionDfOptionInjection.enabled", "true")',
        "register(spark, source_name)",
        "ingest(spark, pipeline_spec)",
    ):
        assert line in text
    conf = {CONF + "catalog": "cat", CONF + "schema": "sch", CONF + "connection_name": "osipi_conn"}
    assert run_ingest_file(text, conf) == {
        "connection_name": "osipi_conn",
        "objects": [
            {
                "table": {
                    "source_table": "pi_points",
                    "destination_table": "pi_points",
                    "table_configuration": {"maxCount": "1000", "x": "1"},
                    "destination_catalog": "cat",
                    "destination_schema": "sch",
                }
            }
        ],
    }
    legacy = render_ingest(
        pipeline, {"pi_points": t}, RenderOptions("osipi", "c", legacy_layout=True)
    )
    assert "from pipeline.ingestion_pipeline import ingest" in legacy
    assert "from libs.source_loader import get_register_function" in legacy
    assert run_ingest_file(legacy, conf)["connection_name"] == "osipi_conn"


def test_seed_discovery_destinations_win_over_the_defaults() -> None:
    t = Table("a", "a_dst", extra=(("destination_catalog", "c1"), ("destination_schema", "s1")))
    pipeline = PipelinePlan("k", "k", "g", "0 0 * * *", ("a",), 1, 1)
    spec = pipeline_spec(pipeline, {"a": t}, RenderOptions("src", "conn"), "main", "default", "c")
    assert spec["objects"][0]["table"]["destination_catalog"] == "c1"
    assert spec["objects"][0]["table"]["destination_schema"] == "s1"
