"""`check_run`: run one `balancer` command on a sandbox and hold it to the rules of issue 18.

For every run:
- the exit code is 0, 2, 3 or 4; the command ended in SystemExit or returned (no exception
  escaped), and the output holds no "Traceback";
- a failed run (exit code not 0) prints exactly one `error:` line;
- no input changed (bytes, mode, kind), and nothing was written outside the output paths
  given (folders created on the way to an output are allowed);
- exit code 2 wrote nothing at all: the sandbox is as it was;
- the printed output holds no raw control character (ESC, NUL, BEL, other C0 but tab and
  newline, DEL, C1) and no bidirectional override: the "terminal" family.
`problems(...)` returns what is wrong as sentences (so the checks can be tested on runs that
break them); `check_run` fails the test with them, the command and its output. With
`FUZZ_SURVEY=FILE` set it appends them to FILE as a JSON line instead and goes on (a survey
of a long run: every failing example, not only the first of each test).
"""

from __future__ import annotations

import json
import os
import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click
from click.testing import CliRunner, Result

from balancer.cli import main
from tests.fuzz.sandbox import Sandbox, Snapshot

EXIT_CODES = (0, 2, 3, 4)
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ERROR_LINE = re.compile(r"^error:", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Run:
    """What a command did: its exit code, its printed output, and the sandbox before/after."""

    exit_code: int
    output: str
    exception: BaseException | None
    before: Snapshot
    after: Snapshot


def _under(rel: str, outputs: Sequence[str]) -> bool:
    return any(rel == o or rel.startswith(o.rstrip("/") + "/") for o in outputs)


def _ancestor(rel: str, outputs: Sequence[str]) -> bool:
    return any(o.startswith(rel + "/") for o in outputs) or rel == "."


def _file_problems(run: Run, inputs: set[str], outputs: Sequence[str]) -> list[str]:
    out = []
    for rel, entry in sorted(run.before.items()):
        now = run.after.get(rel)
        if now == entry:
            continue
        what = "removed" if now is None else f"changed ({entry} -> {now})"
        if rel in inputs or not (_under(rel, outputs) or _ancestor(rel, outputs)):
            out.append(f"input {rel} was {what}")
        elif entry.kind in ("link", "special"):
            out.append(f"the output {rel} was a {entry.kind} the user made, and was {what}")
    for rel in sorted(set(run.after) - set(run.before)):
        if not (_under(rel, outputs) or (run.after[rel].kind == "dir" and _ancestor(rel, outputs))):
            out.append(f"{rel} was written outside the outputs {list(outputs)}")
    if run.exit_code == 2 and run.after != run.before:
        changed = sorted(
            k for k in set(run.before) | set(run.after) if run.before.get(k) != run.after.get(k)
        )
        out.append(f"exit code 2, yet the sandbox changed: {changed[:5]}")
    return out


def _output_problems(run: Run) -> list[str]:
    out = []
    if run.exit_code not in EXIT_CODES:
        out.append(f"exit code {run.exit_code} is not one of {EXIT_CODES}")
    if run.exception is not None and not isinstance(run.exception, SystemExit):
        frames = traceback.extract_tb(run.exception.__traceback__)
        at = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
        text = str(run.exception)[:160]
        out.append(f"the command raised {type(run.exception).__name__}: {text}{at}")
    if "Traceback" in run.output and run.exception is None:
        out.append("the output holds a traceback")
    if run.exit_code != 0:
        lines = len(ERROR_LINE.findall(run.output))
        if lines != 1:
            out.append(f"a failed run printed {lines} 'error:' lines, not one")
    raw = sorted({f"U+{ord(c):04X}" for c in CONTROLS.findall(run.output)})
    if raw:
        out.append(f"the output holds raw control characters {raw}")
    return out


def problems(run: Run, inputs: set[str], outputs: Sequence[str]) -> list[str]:
    """Every rule the run broke, as sentences (empty when it kept them all)."""
    return _output_problems(run) + _file_problems(run, inputs, outputs)


def invoke(
    box: Sandbox, args: Sequence[object], command: click.Command = main
) -> tuple[Run, Result]:
    before = box.snapshot()
    with box.cwd():
        result = CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=True)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
    run = Run(result.exit_code, output, result.exception, before, box.snapshot())
    return run, result


def check_run(
    box: Sandbox,
    args: Sequence[object],
    outputs: Sequence[str | Path] = (),
    command: click.Command = main,
) -> Run:
    """Run `balancer ARGS` in the sandbox; fail the test, saying why, if it broke a rule.

    `outputs` are the paths the command may write (files or folders, inside the sandbox)."""
    run, _ = invoke(box, args, command)
    found = problems(run, box.inputs, [box.rel(o) for o in outputs])
    if not found:
        return run
    shown = " ".join(str(a) if re.fullmatch(r"[\w./=:-]*", str(a)) else repr(str(a)) for a in args)
    survey = os.environ.get("FUZZ_SURVEY")
    if survey:
        record = {
            "test": os.environ.get("PYTEST_CURRENT_TEST", ""),
            "args": shown,
            "exit": run.exit_code,
            "problems": found,
            "output": run.output[:600],
        }
        with open(survey, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=True) + "\n")
        return run
    report = "\n".join(f"- {p}" for p in found)
    raise AssertionError(
        f"balancer {shown}\nexit code {run.exit_code}\n{report}\noutput:\n{run.output[:3000]}"
    )
