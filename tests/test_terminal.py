"""The one sanitizer (balancer/terminal.py): nothing that came from input reaches the terminal
as a control sequence, whichever way it is printed (error line, click's usage errors, plain
lines, rich tables and lines)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from balancer.cli import main
from balancer.terminal import clean, console
from tests.helpers import EXAMPLES

HOSTILE = [
    ("ESC CSI clear screen", "\x1b[2J"),
    ("OSC window title", "\x1b]0;owned\x07"),
    ("NUL", "a\x00b"),
    ("BEL", "\x07"),
    ("backspace over text", "safe\x08\x08\x08\x08evil"),
    ("carriage return", "shown\rhidden"),
    ("C1 CSI", "\x9b2J"),
    ("DEL", "\x7f"),
    ("bidi override", "abc\u202edcba"),
    ("zero-width joiner", "a\u200db"),
    ("line separator", "a\u2028b"),
]


def raw_controls(text: str) -> list[str]:
    """Characters that a terminal would act on, other than newline and tab."""
    return sorted({ch for ch in text if not (ch.isprintable() or ch in " \n\t")})


@pytest.mark.parametrize(("what", "text"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_clean_shows_every_control_character_as_its_escape(what: str, text: str) -> None:
    shown = clean(text)
    assert raw_controls(shown) == []
    assert shown != text  # something was escaped, and it is visible
    assert "\\" in shown


@given(st.text())
def test_clean_leaves_nothing_a_terminal_acts_on_and_keeps_printable_text(text: str) -> None:
    shown = clean(text)
    assert raw_controls(shown) == []
    printable = "".join(ch for ch in text if ch.isprintable() or ch in " \n\t")
    if printable == text:
        assert shown == text


@pytest.mark.parametrize(("what", "text"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_the_rich_console_cleans_lines_and_table_cells(what: str, text: str) -> None:
    from rich.table import Table

    out = console()
    out.file = io.StringIO()
    table = Table("name")
    table.add_row(f"[red]{text}:bomb:")
    out.print(table)
    out.print(f"warning: {text}", style="yellow")
    printed = out.file.getvalue()
    assert raw_controls(printed) == []
    assert "[red]" in printed and ":bomb:" in printed  # markup and emoji codes print as written


def _tables_with(tmp_path: Path, name: str, category: str = "c") -> Path:
    path = tmp_path / "tables.csv"
    path.write_text(
        "source_table,category,ingestion_type,schedule,weight\n"
        f'"{name}","{category}",snapshot,0 0 * * *,30\n'
        "t2,c,snapshot,0 0 * * *,40\n",
        encoding="utf-8",
    )
    return path


def _commands(tmp_path: Path, text: str) -> dict[str, list[str]]:
    tables = str(_tables_with(tmp_path, f"t{text}"))
    return {
        "error line: a table name": ["solve", "--tables", tables, "-o", str(tmp_path / "p.json")],
        "error line: a path": ["solve", "--tables", str(tmp_path / f"x{text}.csv")],
        "click usage error: an option": ["solve", f"--bogus{text}"],
        "click usage error: a value": ["solve", "--pipelines", f"3{text}"],
        "rich plan table: a category": [
            "solve",
            "--tables",
            str(_tables_with(tmp_path / "cat", "t1", category=f"x{text}")),
            "--group-by",
            "category",
            "-o",
            str(tmp_path / "cat.json"),
        ],
        "plain lines: printed SQL": ["history", "sql", "--event-log-table", f"c.s.e{text}"],
        "what-if addition": [
            "whatif",
            "--history",
            str(EXAMPLES / "osipi" / "runs.csv"),
            "--add-table",
            f"n{text}:snapshot:30",
        ],
    }


CASES = [
    "error line: a table name",
    "error line: a path",
    "click usage error: an option",
    "click usage error: a value",
    "rich plan table: a category",
    "plain lines: printed SQL",
    "what-if addition",
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(("what", "text"), HOSTILE[:6], ids=[h[0] for h in HOSTILE[:6]])
def test_no_command_prints_a_control_character_it_was_given(
    tmp_path: Path, case: str, what: str, text: str
) -> None:
    (tmp_path / "cat").mkdir()
    result = CliRunner().invoke(main, _commands(tmp_path, text)[case])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    assert raw_controls(result.output) == [], result.output


FORGED = "\nsolved in 0.01 s; plan written to plan.json"


@pytest.mark.parametrize(
    "where",
    ["a path", "a runs.csv table name (a warning)", "a tables.csv name (an error)"],
)
def test_a_newline_in_an_input_cannot_print_a_line_of_its_own(tmp_path: Path, where: str) -> None:
    runs = tmp_path / "runs.csv"
    runs.write_text(
        f'table,start_time,duration_s\n"x{FORGED}",2026-10-01T00:00:00Z,5\n', encoding="utf-8"
    )
    tables = EXAMPLES / "osipi" / "tables.csv"
    args = {
        "a path": ["solve", "--tables", str(tmp_path / f"nope{FORGED}")],
        "a runs.csv table name (a warning)": [
            "solve",
            "--tables",
            str(tables),
            "--history",
            str(runs),
        ],
        "a tables.csv name (an error)": [
            "solve",
            "--tables",
            str(_tables_with(tmp_path, f"t{FORGED}")),
        ],
    }[where]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "p.json")])
    lines = result.output.splitlines()
    assert not any(line.startswith("solved in 0.01 s") for line in lines), result.output
    assert "\\nsolved in 0.01 s" in result.output  # shown, as an escape, inside its own line
