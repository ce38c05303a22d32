"""Bounded JSON: every JSON input of the tool is read by `load_json`; deep, huge or
non-standard documents are refused with exit 2 naming the input, never a RecursionError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.cli import main
from balancer.errors import InputError, Location
from balancer.jsondoc import MAX_DEPTH, load_json, nesting_depth
from tests.helpers import EXAMPLES, wheel_args

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a": ' * 5000 + "1" + "}" * 5000
WHERE = Location("in.json")


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ('"[[[["', 0),
        ("[]", 1),
        ("[[1], [2, [3]]]", 3),
        ('{"a": {"b": "]]]{{{"}}', 2),
        ('["\\"[[["]', 1),
        ('"unterminated [[[', 0),
        ("]]]]", 0),  # no JSON: the parser stops at the first "]"
        ("[]][[[", 2),
        (DEEP, 5000),
        (DEEP_OBJECT, 5000),
    ],
)
def test_depth_is_measured_on_the_text_outside_strings(text: str, depth: int) -> None:
    assert nesting_depth(text) == depth


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (DEEP, "5000 deep"),
        (DEEP_OBJECT, "5000 deep"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"{MAX_DEPTH + 1} deep"),
        ("x" * 2000, "bytes; at most 1,000"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": Infinity}', "Infinity is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ('{"a": 1e999}', "too large"),
        ('{"a": 1, "a": 2}', "appears twice"),
        ("[" + "9" * 5000 + "]", "not JSON this tool reads"),
        ("{bad", "not valid JSON"),
        ("", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_refusals_name_the_input(source: str | bytes, words: str) -> None:
    with pytest.raises(InputError) as info:
        load_json(source, WHERE, max_bytes=1000 if source == "x" * 2000 else 10**6)
    assert words in info.value.problem and info.value.where.file == "in.json"


def test_a_file_error_names_the_line() -> None:
    with pytest.raises(InputError) as info:
        load_json('{\n  "a": 1,\n  "b": oops\n}\n', WHERE)
    assert info.value.where.row == 3


def test_the_depth_bound_itself_is_read() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    value = load_json(text, WHERE)
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == []


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    # keys unique per object: JSON objects from dicts
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_any_document_within_bounds_reads_as_json_reads_it(value: object) -> None:
    text = json.dumps(value)
    assert nesting_depth(text) <= 30
    assert load_json(text, WHERE) == json.loads(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='[]{}"\\ ,:a1', max_size=200))
def test_any_text_is_read_or_refused_with_an_input_error(text: str) -> None:
    try:
        load_json(text, WHERE)
    except InputError as exc:
        assert exc.where.file == "in.json"


# The five JSON inputs the issue names, each given 5,000-level nesting.
def _tables_with_deep_cell(tmp_path: Path) -> Path:
    path = tmp_path / "tables.csv"
    cell = '{"d": ' + DEEP + "}"
    path.write_text(
        'source_table,table_configuration_json\na,"' + cell.replace('"', '""') + '"\n',
        encoding="utf-8",
    )
    return path


def _tables_with_deep_keys(tmp_path: Path) -> Path:
    path = tmp_path / "keys.csv"
    path.write_text(f"source_table,primary_keys\na,{DEEP}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "where",
    ["plan", "pipeline-ids", "pipeline-ids-file", "cell", "keys", "events", "common-config"],
)
def test_deep_json_in_every_input_ends_in_exit_2_naming_it(
    tmp_path: Path, osipi_plan: Path, where: str
) -> None:
    out = tmp_path / "out"
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP, encoding="utf-8")
    args, named = {
        "plan": (["rebalance", "--plan", str(deep), "-o", str(out)], str(deep)),
        "pipeline-ids": (
            ["rebalance", "--plan", str(osipi_plan), "--pipeline-ids-json", DEEP, "-o", str(out)],
            "--pipeline-ids-json",
        ),
        "pipeline-ids-file": (
            [
                "rebalance",
                "--plan",
                str(osipi_plan),
                "--pipeline-ids-json",
                str(deep),
                "-o",
                str(out),
            ],
            f"{deep}, column '--pipeline-ids-json'",
        ),
        "cell": (
            ["solve", "--tables", str(_tables_with_deep_cell(tmp_path)), "-o", str(out)],
            "table_configuration_json",
        ),
        "keys": (
            ["solve", "--tables", str(_tables_with_deep_keys(tmp_path)), "-o", str(out)],
            "row 2, column 'primary_keys'",
        ),
        "events": (["history", "from-events", str(deep), "-o", str(out)], str(deep)),
        "common-config": (
            [
                "render",
                str(osipi_plan),
                "-o",
                str(out),
                "--common-table-config-json",
                '{"a": ' + DEEP + "}",
                *wheel_args(tmp_path / "w", "osipi"),
            ],
            "--common-table-config-json",
        ),
    }[where]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "deep; at most 64" in result.output and named in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_json_on_the_command_line_is_bounded_in_size(tmp_path: Path, osipi_plan: Path) -> None:
    ids = json.dumps({f"p{k}": "x" * 100 for k in range(20_000)})
    result = CliRunner().invoke(
        main,
        ["rebalance", "--plan", str(osipi_plan), "--pipeline-ids-json", ids, "-o", str(tmp_path)],
    )
    assert result.exit_code == 2 and "--pipeline-ids-json" in result.output
    assert "at most 1,048,576" in result.output


def test_the_examples_read_unchanged() -> None:
    text = (EXAMPLES / "github" / "category_prefix_map.json").read_text(encoding="utf-8")
    assert load_json(text, WHERE) == json.loads(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [(DEEP, "5000 deep"), ('{"deployment_id": NaN}', "NaN"), ('{"a": 1, "a": 1}', "twice")],
)
def test_a_hostile_deployment_record_is_an_input_error(
    tmp_path: Path, text: str, words: str
) -> None:
    from balancer.databricks.state import read_state, state_path

    path = state_path(tmp_path, "prod")
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_state(tmp_path, "prod")
    assert words in info.value.problem and info.value.where.file == str(path)
