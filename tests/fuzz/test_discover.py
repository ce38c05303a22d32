"""Fuzz `balancer discover`: connectors whose tables and metadata are hostile (names,
types, categories), hostile JSON options and crons, and hostile output paths."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import files, values
from tests.fuzz.budget import fuzz
from tests.fuzz.check import check_run
from tests.fuzz.paths import make_path, path_case
from tests.fuzz.sandbox import Sandbox, sandbox

CONNECTOR = """
class LakeflowConnect:
    def __init__(self, options):
        self.options = options


class HostileConnector(LakeflowConnect):
    TABLES_SALES = {sales!r}

    def list_tables(self):
        return {tables!r}

    def read_table_metadata(self, table_name, table_options):
        return {metadata!r}
"""


VALID = {"primary_keys": ["id"], "cursor_field": "updated_at", "ingestion_type": "cdc"}


def _metadata() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "primary_keys": st.one_of(st.lists(values.text(), max_size=3), values.text()),
            "cursor_field": st.one_of(values.text(), st.integers(), st.none()),
            "ingestion_type": st.one_of(
                st.sampled_from(("cdc", "snapshot", "append", "cdc_with_deletes")), values.text()
            ),
        },
    )


def connector(tables: list[Any], sales: list[Any], metadata: dict[str, Any]) -> str:
    return CONNECTOR.format(tables=tables, sales=tuple(sales), metadata=metadata)


@contextmanager
def isolated_imports() -> Iterator[None]:
    """Each example's connector is imported afresh and forgotten (no bytecode written: the
    one test below checks that on its own)."""
    path, modules, bytecode = list(sys.path), set(sys.modules), sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            del sys.modules[name]
        sys.dont_write_bytecode = bytecode


def _connector(box: Sandbox, text: str) -> str:
    return str(box.input("conn/hostile_source.py", text))


NAMES = st.lists(
    st.one_of(st.sampled_from(("orders", "Orders", "refunds")), values.text(), st.integers()),
    min_size=0,
    max_size=6,
)


@fuzz(20)
@given(tables=NAMES, sales=NAMES, metadata=_metadata(), best_effort=st.booleans())
def test_hostile_connectors(
    tables: list[Any], sales: list[Any], metadata: dict[str, Any], best_effort: bool
) -> None:
    with sandbox() as box, isolated_imports():
        source = _connector(box, connector(tables, sales, metadata))
        out = box.path("tables.csv")
        flags = ["--best-effort"] if best_effort else []
        check_run(box, ["discover", source, "-o", out, *flags], [out])


OPTIONS = {
    "--category-prefix-map-json": files.json_text().map(lambda b: b.decode("utf-8")),
    "--init-options-json": files.json_text().map(lambda b: b.decode("utf-8")),
    "--schedule-snapshot": values.cron(),
    "--schedule-append": values.cron(),
    "--schedule-cdc": values.cron(),
}


@fuzz(20)
@given(
    args=values.arguments(OPTIONS, min_size=1, max_size=3),
)
def test_hostile_options(args: list[str]) -> None:
    with sandbox() as box, isolated_imports():
        source = _connector(box, connector(["orders", "refunds"], ["orders"], VALID))
        out = box.path("tables.csv")
        check_run(box, ["discover", source, "-o", out, *args], [out])


@fuzz(10)
@given(case=path_case())
def test_hostile_output_path(case: str) -> None:
    with sandbox() as box, isolated_imports():
        source = _connector(box, connector(["orders"], [], VALID))
        out = make_path(box, case, [box.path("conn/hostile_source.py")])
        check_run(box, ["discover", source, "-o", out], [out])


def test_importing_the_connector_writes_nothing_beside_it() -> None:
    """As a user runs it (bytecode written, unless PYTHONDONTWRITEBYTECODE says otherwise)."""
    path, modules, bytecode = list(sys.path), set(sys.modules), sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        with sandbox() as box:
            source = _connector(box, connector(["orders"], [], VALID))
            out = box.path("tables.csv")
            check_run(box, ["discover", source, "-o", out], [out])
    finally:
        sys.path[:] = path
        sys.dont_write_bytecode = bytecode
        for name in set(sys.modules) - modules:
            del sys.modules[name]
