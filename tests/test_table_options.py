"""Table options (balancer/table_options.py) reach the connector as written: a `${` that a
bundle or deploy would resolve as a variable reference is refused wherever options enter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from balancer.cli import main
from balancer.errors import InputError, Location
from balancer.table_options import split_options

REFERENCES: list[tuple[str, dict[str, Any]]] = [
    ("in a value", {"opt": "${var.catalog}"}),
    ("in a value, among text", {"opt": "a-${workspace.current_user.userName}-b"}),
    ("in a key", {"${var.x}": "1"}),
    ("in a list value", {"opt": ["${var.x}"]}),
    ("in primary_keys", {"primary_keys": ["${var.x}"]}),
    ("in cluster_by text", {"cluster_by": "a, ${var.x}"}),
]


@pytest.mark.parametrize(("what", "options"), REFERENCES, ids=[r[0] for r in REFERENCES])
def test_a_variable_reference_is_refused(what: str, options: dict[str, Any]) -> None:
    with pytest.raises(InputError, match=r"holds '\$\{'"):
        split_options(options, Location("tables.csv", 2, "table_configuration_json"))


@pytest.mark.parametrize("text", ["$ {var.x}", "{var.x}", "$$", "cost in $", "a}$"])
def test_text_that_is_no_reference_passes(text: str) -> None:
    _, options = split_options({"opt": text}, Location())
    assert options == (("opt", text),)


def test_tables_csv_names_the_row_and_column(tmp_path: Path) -> None:
    tables = tmp_path / "tables.csv"
    tables.write_text(
        'source_table,table_configuration_json,weight\na,"{""opt"": ""${var.nope}""}",10\n'
    )
    result = CliRunner().invoke(main, ["solve", "--tables", str(tables), "-o", str(tmp_path / "p")])
    assert result.exit_code == 2, result.output
    assert "row 2" in result.output and "table_configuration_json" in result.output
    assert not (tmp_path / "p").exists()


def test_common_table_config_json_is_refused_too(osipi_plan: Path, tmp_path: Path) -> None:
    args = ["render", str(osipi_plan), "-o", str(tmp_path / "out"), "--mode", "workspace"]
    args += ["--connector-root", "/x", "--common-table-config-json", '{"o": "${var.x}"}']
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "--common-table-config-json" in result.output, result.output
    assert not (tmp_path / "out").exists()
