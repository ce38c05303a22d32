"""README's scenarios, run as a fresh clone would run them, against the figures README
promises. A scenario is the code block after a `<!-- scenario: NAME -->` line; its
`balancer ...` commands run in a copy of the examples (solve and rebalance with --json, for
their figures), and the promises are read from README itself: the commands' `# ...`
comments and the paragraph after the block, in the fixed phrases of PROMISES. When the
examples change, the failure names the README line to fix."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from balancer.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = re.compile(r"^<!-- scenario: ([\w-]+)\b.*-->$")
JSON_COMMANDS = ("solve", "rebalance")

Docs = dict[str, dict[str, Any]]  # command -> its last JSON document
Check = Callable[[re.Match[str], Docs], str]  # "" or what differs


def _moves(m: re.Match[str], docs: Docs) -> str:
    got = len(docs["rebalance"]["moves"])
    return "" if got == int(m.group(1)) else f"rebalance proposes {got} moves"


def _fits_again(m: re.Match[str], docs: Docs) -> str:
    doc = docs["rebalance"]
    before, after = (
        doc["before"]["pipelines_over_schedule"],
        doc["after"]["pipelines_over_schedule"],
    )
    return "" if before and not after else f"over their schedule before {before}, after {after}"


def _balances(m: re.Match[str], docs: Docs) -> str:
    doc = docs["solve"]
    tables, low, high = (int(g) for g in m.groups())
    ok = doc["tables_count"] == tables and low <= doc["pipelines_count"] <= high
    return (
        ""
        if ok
        else f"solve gives {doc['tables_count']} tables, {doc['pipelines_count']} pipelines"
    )


def _all_fit(m: re.Match[str], docs: Docs) -> str:
    over = docs["solve"]["pipelines_over_schedule"]
    return "" if not over else f"over their schedule: {over}"


PROMISES: tuple[tuple[re.Pattern[str], Check], ...] = (
    (re.compile(r"\b(\d+) moves?\b"), _moves),
    (re.compile(r"\bfits again\b"), _fits_again),
    (re.compile(r"balances the (\d+) \w+ tables over (\d+) to (\d+) pipelines"), _balances),
    (re.compile(r"every pipeline's p90 run within its schedule"), _all_fit),
)


@dataclass(frozen=True)
class Scenario:
    name: str
    line: int  # of the marker, 1-based
    commands: tuple[tuple[int, list[str]], ...]  # (README line, argv after `balancer`)
    promises: tuple[tuple[int, str], ...]  # (README line, text that may hold promises)


def _command(text: str) -> list[str] | None:
    """The balancer command on a README line (after `&&` or a `.venv/bin/` prefix)."""
    code = text.split(" #", 1)[0]
    for part in code.split("&&"):
        words = shlex.split(part)
        if words and words[0].endswith("balancer") and len(words) > 1:
            return words[1:]
    return None


def scenarios() -> list[Scenario]:
    lines = README.read_text(encoding="utf-8").splitlines()
    found = []
    for i, line in enumerate(lines):
        m = MARKER.match(line.strip())
        if not m:
            continue
        j = i + 1  # the next code block: fenced, or indented after a blank line
        while j < len(lines) and not (
            lines[j].startswith("```") or (lines[j].startswith("    ") and not lines[j - 1])
        ):
            j += 1
        fenced = lines[j].startswith("```")
        start = j + 1 if fenced else j
        end = start
        while end < len(lines) and (
            (fenced and not lines[end].startswith("```"))
            or (not fenced and (lines[end].startswith("    ") or not lines[end].strip()))
        ):
            end += 1
        commands, promises = [], []
        for n in range(start, end):
            words = _command(lines[n])
            if words is not None:
                commands.append((n + 1, words))
                promises.append((n + 1, lines[n].partition(" #")[2]))
        k = end + (1 if fenced else 0)
        while k < len(lines) and not lines[k].strip():
            k += 1
        first, paragraph = k + 1, []
        while k < len(lines) and lines[k].strip():  # the paragraph after the block
            paragraph.append(lines[k].strip())
            k += 1
        promises.append((first, " ".join(paragraph)))
        found.append(Scenario(m.group(1), i + 1, tuple(commands), tuple(promises)))
    return found


def test_readme_marks_its_scenarios() -> None:
    names = [s.name for s in scenarios()]
    assert {"quickstart", "drift"} <= set(names), names
    assert all(s.commands for s in scenarios())


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: s.name)
def test_readme_scenario_gives_the_figures_it_promises(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")  # never written in the clone
    monkeypatch.chdir(tmp_path)
    docs: Docs = {}
    for line, argv in scenario.commands:
        extra = ["--json"] if argv[0] in JSON_COMMANDS else []
        result = CliRunner().invoke(main, argv + extra)
        assert result.exit_code == 0, f"README.md:{line}: {shlex.join(argv)}\n{result.output}"
        if extra:
            docs[argv[0]] = json.loads(result.stdout)
    checked = 0
    for line, text in scenario.promises:
        for pattern, check in PROMISES:
            for m in pattern.finditer(text):
                problem = check(m, docs)
                assert not problem, f"README.md:{line} promises {m.group(0)!r}, but {problem}"
                checked += 1
    assert checked, f"README.md:{scenario.line}: scenario {scenario.name} promises no figure"
