"""Hostile inputs: every refusal is exit 2 with one message naming the input, no traceback,
and nothing written. (Issue 9's suite; this file grows family by family.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.cli import main
from tests.helpers import EXAMPLES

OSIPI = EXAMPLES / "osipi"

NUMBERS = [
    # (command and options, the option the message must name)
    (["solve", "--overhead", "-100000"], "--overhead"),
    (["solve", "--time-limit", "nan"], "--time-limit"),
    (["solve", "--time-limit", "inf"], "--time-limit"),
    (["solve", "--time-limit", "0"], "--time-limit"),
    (["solve", "--time-limit", "-1"], "--time-limit"),
    (["solve", "--k-tolerance", "nan"], "--k-tolerance"),
    (["solve", "--k-tolerance", "-0.1"], "--k-tolerance"),
    (["solve", "--sla-headroom", "nan"], "--sla-headroom"),
    (["solve", "--sla-headroom", "inf"], "--sla-headroom"),
    (["solve", "--sla-headroom", "0"], "--sla-headroom"),
    (["solve", "--sla-headroom", "-1"], "--sla-headroom"),
    (["solve", "--seed", "99999999999999999999"], "--seed"),
    (["solve", "--seed", "-1"], "--seed"),
    (["solve", "--max-tables-per-pipeline", "0"], "--max-tables-per-pipeline"),
    (["solve", "--max-tables-per-pipeline", "1001"], "--max-tables-per-pipeline"),
    (["rebalance", "--detect-threshold", "nan"], "--detect-threshold"),
    (["rebalance", "--detect-threshold", "-0.5"], "--detect-threshold"),
    (["rebalance", "--target", "inf"], "--target"),
    (["rebalance", "--target", "-1"], "--target"),
    (["rebalance", "--max-moves", "-3"], "--max-moves"),
    (["rebalance", "--max-moves-per-pipeline", "-1"], "--max-moves-per-pipeline"),
    (["rebalance", "--max-moves-per-pipeline", "9" * 30], "--max-moves-per-pipeline"),
    (["rebalance", "--max-moves", "1000001"], "--max-moves"),
    (["solve", "--max-moves", "9" * 30], "--max-moves"),
    (["rebalance", "--time-limit", "nan"], "--time-limit"),
    (["whatif", "--growth", "nan"], "--growth"),
    (["whatif", "--growth", "0"], "--growth"),
    (["whatif", "--growth", "-2"], "--growth"),
    (["whatif", "--time-limit", "inf"], "--time-limit"),
    (["whatif", "--max-tables-per-pipeline", "0"], "--max-tables-per-pipeline"),
    (["synth-history", "--days", "0"], "--days"),
    (["synth-history", "--drift", "nan"], "--drift"),
    (["synth-history", "--seed", "99999999999999999999"], "--seed"),
    (["synth-history", "--drift-seed", "9" * 400], "--drift-seed"),
    (["solve", "--seed", "9" * 400], "--seed"),
    (["whatif", "--overhead", "9" * 400], "--overhead"),
    (["synth-history", "--max-runs-per-table", "0"], "--max-runs-per-table"),
    (["history", "sql", "--since-days", "-5"], "--since-days"),
    (["history", "sql", "--since-days", "0"], "--since-days"),
]


def _with_inputs(args: list[str], tmp_path: Path) -> list[str]:
    """Give each command the inputs it needs so only the bad number is wrong."""
    out = str(tmp_path / "out")
    command = args[0]
    if command == "solve":
        return [*args, "--history", str(OSIPI / "runs.csv"), "-o", out]
    if command == "whatif":
        return [*args, "--history", str(OSIPI / "runs.csv"), "--csv", out]
    if command == "rebalance":
        return [*args, "--plan", str(OSIPI / "no-plan-needed.json"), "-o", out]
    if command == "synth-history":
        return [*args, "--tables", str(OSIPI / "tables.csv"), "-o", out]
    return [*args, "--event-log-table", "c.s.t"]


@pytest.mark.parametrize(("args", "option"), NUMBERS)
def test_numbers_out_of_range_are_refused(tmp_path: Path, args: list[str], option: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, _with_inputs(args, tmp_path))
    assert result.exit_code == 2, result.output
    assert option in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() and list(tmp_path.iterdir()) == []


# --- plan.json is a file anyone can edit --------------------------------------------------


def _edit(plan: dict[str, Any], how: str) -> dict[str, Any]:
    first, second = plan["pipelines"][0], plan["pipelines"][1]
    if how == "key with a newline":
        first["key"] = "p1\nimport os; os.system('x')"
    elif how == "key with a path":
        first["key"] = "../../../x"
    elif how == "key starting with a dash":
        first["key"] = "-rf"
    elif how == "empty key":
        first["key"] = ""
    elif how == "key too long":
        first["key"] = "k" * 101
    elif how == "key not a string":
        first["key"] = 7
    elif how == "two pipelines, one key":
        second["key"] = first["key"]
    elif how == "name with a newline":
        first["name"] = "p\n# injected"
    elif how == "table twice in a pipeline":
        first["tables"] = [*first["tables"], first["tables"][0]]
    elif how == "table in two pipelines":
        second["tables"] = [*second["tables"], first["tables"][0]]
    elif how == "table in no pipeline":
        first["tables"] = first["tables"][1:]
    elif how == "unknown table":
        first["tables"] = [*first["tables"], "no_such_table"]
    elif how == "tables not a list":
        first["tables"] = 5
    elif how == "table listed twice":
        plan["tables"].append(dict(plan["tables"][0]))
    elif how == "settings not an object":
        plan["settings"] = "fast"
    elif how == "unknown setting":
        plan["settings"]["turbo"] = True
    elif how == "no pipelines field":
        del plan["pipelines"]
    elif how == "format 2":
        plan["format"] = 2
    elif how == "a list, not an object":
        return [plan]  # type: ignore[return-value]
    return plan


PLAN_EDITS = [
    "key with a newline",
    "key with a path",
    "key starting with a dash",
    "empty key",
    "key too long",
    "key not a string",
    "two pipelines, one key",
    "name with a newline",
    "table twice in a pipeline",
    "table in two pipelines",
    "table in no pipeline",
    "unknown table",
    "tables not a list",
    "table listed twice",
    "settings not an object",
    "unknown setting",
    "no pipelines field",
    "format 2",
    "a list, not an object",
]


@pytest.mark.parametrize("how", PLAN_EDITS)
@pytest.mark.parametrize("command", ["render", "solve --current", "rebalance"])
def test_an_edited_plan_is_refused_everywhere_it_is_read(
    osipi_plan: Path, tmp_path: Path, how: str, command: str
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_edit(json.loads(osipi_plan.read_text()), how)))
    out = tmp_path / "out"
    args = {
        "render": [
            "render",
            str(plan),
            "-o",
            str(out),
            "--mode",
            "workspace",
            "--connector-root",
            "/x",
        ],
        "solve --current": [
            "solve",
            "--history",
            str(OSIPI / "runs.csv"),
            "--current",
            str(plan),
            "-o",
            str(out),
        ],
        "rebalance": ["rebalance", "--plan", str(plan), "-o", str(out)],
    }[command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert str(plan) in result.output and "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"format": 1, "name": "caf\xe9"}', "not UTF-8"),
        (b"", "is empty"),
        (b'{"format": 1,', "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_a_plan_that_is_not_utf8_json_is_refused(
    tmp_path: Path, content: bytes, words: str
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_bytes(content)
    result = CliRunner().invoke(
        main,
        [
            "render",
            str(plan),
            "-o",
            str(tmp_path / "out"),
            "--connector-root",
            "/x",
            "--mode",
            "workspace",
        ],
    )
    assert result.exit_code == 2 and words in result.output, result.output


# --- names written into Markdown, SQL and shell lines ----------------------------------

nasty_names = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "`",
                "```",
                "|",
                "#",
                "## Step zero",
                "DROP SCHEMA x CASCADE",
                "'",
                "\\",
                " ",
            ]
        ),
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
    ),
    min_size=1,
    max_size=10,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(nasty_names)
def test_no_name_adds_a_line_to_the_runbook_or_the_diff(name: str) -> None:
    """Names with control characters never get here (tables.csv and plan.json refuse them);
    any other name stays inside its code span or fenced block."""
    from balancer.deployment import TableRef
    from balancer.planning.migration import Migration, Step
    from balancer.planning.runbook import runbook

    steps = (
        Step("stop_pipeline", "id1", "p_01", "id1"),
        Step("update_pipeline", "p_01", "p_01", "id1"),
        Step(
            "hand_over",
            "p_02",
            "p_02",
            tables=(TableRef("cat", "sch", name),),
            source="id1",
            source_name="p_01",
            destination="p_02",
        ),
        Step("update_pipeline", "p_02", "p_02", "id2"),
    )
    text = runbook(Migration(steps), {"p_02": "id2"}, "balancer deploy out")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == ["# Rebalance runbook"]
    numbered = [line[:3] for line in text.splitlines() if line[:1].isdigit()]
    assert numbered == ["1. ", "2. ", "3. ", "4. "]
    assert "DROP" not in [line.strip()[:4] for line in text.splitlines()]


BAD_IDS = [
    ('{"osipi_append_01": "abc; rm -rf /"}', "not a pipeline id"),
    ('{"osipi_append_01": "0123abcd\\n$(reboot)"}', "not a pipeline id"),
    ('{"osipi_append_01": ""}', "not a pipeline id"),
    ('{"no_such_pipeline": "0123abcd-0000-4000-8000-000000000001"}', "not a pipeline of the plan"),
    ('{"osipi_append_01": 7}', "JSON object of strings"),
    ("[1, 2]", "JSON object of strings"),
    ("{bad", "not valid JSON"),
]


@pytest.mark.parametrize(("ids", "words"), BAD_IDS)
def test_pipeline_ids_must_be_ids(osipi_plan: Path, tmp_path: Path, ids: str, words: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["rebalance", "--plan", str(osipi_plan), "--pipeline-ids-json", ids, "-o", str(out)]
    )
    assert result.exit_code == 2 and words in result.output, result.output
    assert not out.exists()


@pytest.mark.parametrize(
    "cell", ['"a\n## Step zero"', '"a\rb"', '"tab\there"', '"bell\x07"', '"esc\x1b[31m"']
)
@pytest.mark.parametrize("column", ["source_table", "destination_table"])
def test_names_with_control_characters_are_refused(tmp_path: Path, cell: str, column: str) -> None:
    tables = tmp_path / "tables.csv"
    row = f"{cell},x" if column == "source_table" else f"ok,{cell}"
    tables.write_text(f"source_table,destination_table\n{row}\n", encoding="utf-8")
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(main, ["solve", "--tables", str(tables), "-o", str(out)])
    assert result.exit_code == 2 and "control character" in result.output, result.output
    assert f"column '{column}'" in result.output and not out.exists()


# --- leftovers ---------------------------------------------------------------------------


def test_a_killed_writes_leftovers_are_removed_by_the_next(
    osipi_plan: Path, tmp_path: Path
) -> None:
    """Under the folder's lock no other run is writing: every leftover is recovered (a
    person's files carried, see tests/io/test_atomic.py) and removed, a live pid's too."""
    import os

    out = tmp_path / "out"
    dead = tmp_path / ".out.new-999999999-abcd"  # no such process
    (dead / "src").mkdir(parents=True)
    (dead / "src" / "big.bin").write_bytes(b"x" * 1000)
    (dead / ".lakeflow-balancer-files.json").write_text('{"files": ["src/big.bin"]}\n')
    old = tmp_path / ".out.old-999999998-ef01"
    old.mkdir()
    live = tmp_path / f".out.new-{os.getpid()}-2345"
    live.mkdir()
    args = [
        "render",
        str(osipi_plan),
        "-o",
        str(out),
        "--mode",
        "workspace",
        "--connector-root",
        "/x",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert not (out / "src" / "big.bin").exists()  # the killed run's own file


def test_whatif_html_leaves_no_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    report = tmp_path / "report.html"
    args = ["whatif", "--history", str(OSIPI / "runs.csv"), "--sweep-pipelines", "3..4"]
    result = CliRunner().invoke(main, [*args, "--html", str(report)])
    assert result.exit_code == 0, result.output
    assert report.stat().st_size > 1000 and "data:image/png;base64" in report.read_text()
    assert list(scratch.iterdir()) == []


# --- crashes ---------------------------------------------------------------------------


def test_rebalance_after_drift_never_aborts_the_process(osipi_plan: Path, tmp_path: Path) -> None:
    """OR-Tools used to abort the process (exit 134, "Check failed: heuristics.fixed_search !=
    nullptr") in the moves model on the OSIPI example after drift (drift seeds 1, 7, 10, 11)."""
    import subprocess
    import sys

    drifted = tmp_path / "drift.csv"
    synth = ["synth-history", "--tables", str(OSIPI / "tables.csv"), "-o", str(drifted)]
    args = [*synth, "--max-runs-per-table", "60", "--drift", "0.8", "--drift-seed", "1"]
    assert CliRunner().invoke(main, args).exit_code == 0
    command = [sys.executable, "-m", "balancer.cli", "rebalance", "--plan", str(osipi_plan)]
    command += ["--history", str(drifted), "-o", str(tmp_path / "p"), "--time-limit", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 2, 3), done.stderr[-2000:]
    assert "Check failed" not in done.stderr and "Traceback" not in done.stderr


# --- discovery loads only the connector ----------------------------------------------------

CONNECTOR = """
class LakeflowConnect:
    pass


class Shop(LakeflowConnect):
    def __init__(self, options):
        pass

    def list_tables(self):
        return {answer}

    def read_table_metadata(self, name, options):
        return {meta}
"""


def _connector(
    folder: Path, answer: str = "['orders', 'users']", meta: str = "{'ingestion_type': 'cdc'}"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "shop.py"
    path.write_text(CONNECTOR.format(answer=answer, meta=meta))
    return path


def _discover(connector: Path, tmp_path: Path) -> Any:
    return CliRunner().invoke(main, ["discover", str(connector), "-o", str(tmp_path / "t.csv")])


@pytest.mark.parametrize(
    "sibling",
    [
        "open({marker!r}, 'w').write('ran')\n",
        "import sys\nopen({marker!r}, 'w').write('ran')\nsys.exit(0)\n",
        "from setuptools import setup\nopen({marker!r}, 'w').write('ran')\nsetup(name='x')\n",
        "raise RuntimeError('boom')\n",
        "TABLES_SALES = ['orders']\nopen({marker!r}, 'w').write('ran')\n",
    ],
)
@pytest.mark.parametrize("package", [False, True])
def test_discover_never_runs_other_files_of_the_folder(
    tmp_path: Path, sibling: str, package: bool
) -> None:
    folder = tmp_path / ("shoppkg" if package else "flat")
    connector = _connector(folder)
    if package:
        (folder / "__init__.py").write_text("")
    marker = tmp_path / "marker"
    for name in ("evil.py", "setup.py"):
        (folder / name).write_text(sibling.format(marker=str(marker)))
    result = _discover(connector, tmp_path)
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    text = (tmp_path / "t.csv").read_text()
    if package and "TABLES_SALES" in sibling:
        assert "orders,sales,cdc" in text  # lists in the package are read, as text


BAD_ANSWERS = [
    ("None", "not a list of table names"),
    ("'orders'", "not a list of table names"),
    ("{'orders': 1}", "not a list of table names"),
    ("['']", "not a table name"),
    ("['  ']", "not a table name"),
    ("[1, 2]", "not a table name"),
    ("['a\\nb']", "not a table name"),
    ("['orders', 'orders']", "twice"),
]


@pytest.mark.parametrize(("answer", "words"), BAD_ANSWERS)
def test_a_connectors_bad_answers_are_refused(tmp_path: Path, answer: str, words: str) -> None:
    result = _discover(_connector(tmp_path / "c", answer=answer), tmp_path)
    assert result.exit_code == 2 and words in result.output, result.output
    assert not (tmp_path / "t.csv").exists()


@pytest.mark.parametrize(
    ("meta", "words"),
    [
        ("['cdc']", "not a mapping"),
        ("None", "not a mapping"),
        ("{'ingestion_type': 'x'}", "unknown"),
    ],
)
def test_bad_metadata_is_refused(tmp_path: Path, meta: str, words: str) -> None:
    result = _discover(_connector(tmp_path / "c", meta=meta), tmp_path)
    assert result.exit_code == 2 and words in result.output, result.output


def test_a_connector_that_exits_while_imported_is_an_error_not_a_success(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "quits.py").write_text("import sys\nsys.exit(0)\n")
    result = _discover(folder / "quits.py", tmp_path)
    assert result.exit_code == 2 and "cannot import connector" in result.output


EVENT_EXPORTS = [
    (b"[1, 2]\n", "not an object"),
    (b'"just text"\n', "not an object"),
    (
        b'{"event_type": "flow_progress", "timestamp": "2026-01-01T00:00:00Z", '
        b'"origin": {"update_id": "u", "flow_name": "f"}, "details": {"flow_progress": 5}}\n',
        "not an object",
    ),
    (
        b'{"event_type": "flow_progress", "timestamp": "2026-01-01T00:00:00Z", '
        b'"origin": {"update_id": "u", "flow_name": "f"}, '
        b'"details": {"flow_progress": {"status": "RUNNING", "metrics": {"num_output_rows": "many"}}}}\n',
        "not a count",
    ),
    (
        b'{"event_type": "flow_progress", "timestamp": "2026-01-01T00:00:00Z", '
        b'"origin": {"update_id": "u", "flow_name": "f"}, '
        b'"details": {"flow_progress": {"status": "RUNNING", "metrics": 3}}}\n',
        "not an object",
    ),
    (b'{"event_type": "flow_progress", "origin": "caf\xe9"}\n', "not UTF-8"),
    (
        b'{"event_type": "flow_progress", "timestamp": 12345, '
        b'"origin": {"update_id": "u"}, "details": {}}\n',
        "ISO-8601",
    ),
    (b"{not json\n", "not valid JSON"),
]


@pytest.mark.parametrize(("content", "words"), EVENT_EXPORTS)
def test_malformed_event_exports_are_refused(tmp_path: Path, content: bytes, words: str) -> None:
    export = tmp_path / "events.jsonl"
    export.write_bytes(content)
    out = tmp_path / "runs.csv"
    result = CliRunner().invoke(main, ["history", "from-events", str(export), "-o", str(out)])
    assert result.exit_code == 2 and words in result.output, result.output
    assert "row 1" in result.output and not out.exists()


@pytest.mark.parametrize(
    ("runs", "words"),
    [
        ("a,2026-01-01T00:00:00Z,1e308\n", "more than a week"),
        ("a,2026-01-01T00:00:00Z,700000\n", "more than a week"),
        ("a,2026-01-01T00:00:00Z,nan\n", "not a finite number"),
        ("a,2026-01-01T00:00:00Z,-inf\n", "not a finite number"),
    ],
)
def test_impossible_durations_are_refused(tmp_path: Path, runs: str, words: str) -> None:
    (tmp_path / "tables.csv").write_text("source_table\na\nb\nc\nd\n")
    (tmp_path / "runs.csv").write_text("table,start_time,duration_s\n" + runs)
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        main, ["solve", "--history", str(tmp_path / "runs.csv"), "-o", str(out)]
    )
    assert result.exit_code == 2 and words in result.output, result.output
    assert not out.exists()


def test_a_history_from_1970_to_today_is_refused_stating_the_window(tmp_path: Path) -> None:
    """Issue 18: runs decades apart are refused (they once crashed the estimator) with the
    rule in the message; within the window the same history solves."""
    (tmp_path / "tables.csv").write_text("source_table\na\nb\nc\nd\n")
    rows = "a,1970-01-01T00:00:00Z,10\na,2026-01-01T00:00:00Z,100\nb,2026-01-01T00:00:00Z,5\n"
    (tmp_path / "runs.csv").write_text("table,start_time,duration_s\n" + rows)
    args = [
        "solve",
        "--history",
        str(tmp_path / "runs.csv"),
        "--pipelines",
        "3",
        "-o",
        str(tmp_path / "p.json"),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "row 2, column 'start_time'" in result.output
    assert "within ten years" in result.output and not (tmp_path / "p.json").exists()
    (tmp_path / "runs.csv").write_text(
        "table,start_time,duration_s\n" + rows.replace("1970", "2017")
    )
    assert CliRunner().invoke(main, args).exit_code == 0


@pytest.mark.parametrize("weight", ["1e300", "604801", "-1", "inf"])
def test_impossible_weights_are_refused(tmp_path: Path, weight: str) -> None:
    (tmp_path / "tables.csv").write_text(f"source_table,weight\na,{weight}\nb,1\nc,1\n")
    result = CliRunner().invoke(
        main, ["solve", "--tables", str(tmp_path / "tables.csv"), "-o", str(tmp_path / "p.json")]
    )
    assert result.exit_code == 2 and "column 'weight'" in result.output, result.output


@pytest.mark.parametrize(
    "added", ["big:append:1e300", "big:append:-5", "big:append:rows=inf", "big:append:nan"]
)
def test_impossible_added_tables_are_refused(added: str) -> None:
    args = [
        "whatif",
        "--history",
        str(OSIPI / "runs.csv"),
        "--sweep-pipelines",
        "3..3",
        "--add-table",
        added,
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "--add-table" in result.output, result.output


def test_chart_labels_are_names_not_formulas(tmp_path: Path) -> None:
    (tmp_path / "tables.csv").write_text(
        'source_table,weight\n"$\\\\frac{a$",10\n"$x^$",20\nplain,5\nmore,7\n'
    )
    report = tmp_path / "r.html"
    args = ["whatif", "--tables", str(tmp_path / "tables.csv"), "--sweep-pipelines", "3..3"]
    result = CliRunner().invoke(main, [*args, "--html", str(report)])
    assert result.exit_code == 0, result.output
    assert report.stat().st_size > 1000


@pytest.mark.parametrize("name", ["../x", "a b", "x" * 41, "-rf", "a\nb", ""])
def test_plan_names_that_cannot_start_keys_are_refused(tmp_path: Path, name: str) -> None:
    out = tmp_path / "plan.json"
    args = ["solve", "--history", str(OSIPI / "runs.csv"), "--name", name, "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "--name" in result.output, result.output
    assert not out.exists()


def test_a_default_name_from_an_odd_folder_still_makes_good_keys(tmp_path: Path) -> None:
    folder = tmp_path / "my tables (v2).d"
    folder.mkdir()
    (folder / "tables.csv").write_text("source_table,weight\na,1\nb,2\nc,3\n")
    out = tmp_path / "plan.json"
    args = ["solve", "--tables", str(folder / "tables.csv"), "--pipelines", "3", "-o", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert json.loads(out.read_text())["pipelines"][0]["key"].startswith("my_tables_v2_d_")


def test_an_output_folder_that_cannot_be_made_is_exit_2(osipi_plan: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x")  # a file where a folder would have to be: even root cannot
    args = ["render", str(osipi_plan), "-o", str(blocker / "out"), "--mode", "workspace"]
    result = CliRunner().invoke(main, [*args, "--connector-root", "/x"])
    assert result.exit_code == 2 and "cannot write" in result.output, result.output
    assert blocker.read_text() == "x"


def test_an_output_name_too_long_for_the_file_system_is_exit_2(
    osipi_plan: Path, tmp_path: Path
) -> None:
    out = tmp_path / ("x" * 300) / "plan.json"
    args = ["solve", "--history", str(OSIPI / "runs.csv"), "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "cannot write" in result.output, result.output


# --- a trailing newline is not a name ("$" matches before it; names are matched whole) ---


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["history", "sql", "--pipeline-id", "0123abcd-0000-4000-8000-000000000001\n"],
            "not a pipeline id",
        ),
        (["history", "sql", "--pipeline-id", "0123abcd\nDROP"], "not a pipeline id"),
        (["solve", "--history", str(OSIPI / "runs.csv"), "--name", "osipi\n"], "--name"),
    ],
)
def test_names_with_a_trailing_newline_are_refused(args: list[str], words: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and words in result.output, result.output


def test_a_pin_with_a_line_break_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tables.csv").write_text('source_table,pin\na,"hot\nx"\nb,\nc,\n')
    result = CliRunner().invoke(
        main, ["solve", "--tables", str(tmp_path / "tables.csv"), "-o", str(tmp_path / "p.json")]
    )
    assert result.exit_code == 2 and "column 'pin'" in result.output, result.output


def _render(plan: Path, out: Path) -> Any:
    args = ["render", str(plan), "-o", str(out), "--mode", "workspace", "--connector-root", "/x"]
    return CliRunner().invoke(main, args)


def test_a_plan_key_with_a_trailing_newline_is_refused(osipi_plan: Path, tmp_path: Path) -> None:
    plan = json.loads(osipi_plan.read_text())
    plan["pipelines"][0]["key"] += "\n"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    result = _render(path, tmp_path / "o")
    assert result.exit_code == 2 and "pipeline key" in result.output, result.output


def test_an_unclosed_quote_is_not_read_as_one_huge_name(tmp_path: Path) -> None:
    (tmp_path / "tables.csv").write_text(
        'source_table,category\n"orders,sales\nusers,crm\nitems,crm\n'
    )
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        main, ["solve", "--tables", str(tmp_path / "tables.csv"), "-o", str(out)]
    )
    assert result.exit_code == 2 and "row 2" in result.output, result.output
    assert not out.exists()


def test_a_plan_whose_tables_were_edited_is_refused(osipi_plan: Path, tmp_path: Path) -> None:
    plan = json.loads(osipi_plan.read_text())
    plan["tables"][0]["table_configuration"] = {"maxCount": "1; DROP TABLE x"}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    result = _render(path, tmp_path / "o")
    assert result.exit_code == 2 and "edited after it was solved" in result.output, result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_an_event_export_csv_with_any_line_ending_is_read_or_refused_in_one_message(
    tmp_path: Path, ending: str
) -> None:
    export = tmp_path / "export.csv"
    rows = ["timestamp,event_type,details", '2026-10-01T00:00:00Z,flow_progress,"{""a"": 1}"']
    export.write_bytes(ending.join(rows).encode() + ending.encode())
    result = CliRunner().invoke(
        main, ["history", "from-events", str(export), "-o", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 2, result.output  # no complete run in it: one message, no traceback
    assert "no complete flow_progress runs" in result.output


def test_a_loop_of_links_as_an_input_is_one_message(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    args = ["solve", "--tables", str(tmp_path / "a"), "--history", str(OSIPI / "runs.csv")]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "p.json")])
    assert result.exit_code == 2 and "symbolic links" in result.output, result.output
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize("kind", ["device", "fifo"])
@pytest.mark.parametrize("role", ["--tables", "--history"])
def test_an_input_that_is_not_a_regular_file_is_one_message(
    tmp_path: Path, kind: str, role: str
) -> None:
    import os

    special = "/dev/zero" if kind == "device" else str(tmp_path / "fifo")
    if kind == "fifo":
        os.mkfifo(special)  # reading it would wait forever
    inputs = {"--tables": str(OSIPI / "tables.csv"), "--history": str(OSIPI / "runs.csv")}
    inputs[role] = special
    args = ["solve", *(a for k, v in inputs.items() for a in (k, v))]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "p.json")])
    assert result.exit_code == 2 and "not a regular file" in result.output, result.output
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize(
    ("outputs", "words"),
    [
        (["--csv", "{d}/charts/a.csv", "--charts-dir", "{d}/charts"], "inside --charts-dir"),
        (["--html", "{d}/charts/r.html", "--charts-dir", "{d}/charts"], "inside --charts-dir"),
        (["--csv", "{d}/same", "--html", "{d}/same"], "name the same file"),
    ],
)
def test_whatif_outputs_that_would_meet_are_refused_before_any_is_written(
    tmp_path: Path, outputs: list[str], words: str
) -> None:
    args = [a.format(d=tmp_path) for a in outputs]
    result = CliRunner().invoke(main, ["whatif", "--history", str(OSIPI / "runs.csv"), *args])
    assert result.exit_code == 2 and words in result.output, result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ('"abc,issues,cdc,x,y', "a quoted cell is never closed"),
        ('"' + "x" * 200_000 + '",c', "longer than"),
    ],
)
def test_a_broken_csv_cell_is_one_message_with_a_fix(tmp_path: Path, row: str, words: str) -> None:
    tables = tmp_path / "tables.csv"
    tables.write_text((OSIPI / "tables.csv").read_text() + row + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["solve", "--tables", str(tables), "-o", str(tmp_path / "p")])
    assert result.exit_code == 2 and words in result.output and "Fix:" in result.output
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "--group-by", "foo"],
        ["solve", "--bogus"],
        ["bogus"],
        ["whatif", "--growth", "0"],
        ["explain"],
    ],
)
def test_clicks_own_usage_errors_are_one_error_line_with_a_fix(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and "Fix: see `balancer" in lines[0]
