"""Fuzz what needs a real process: output printed to a terminal (a pty, where rich styles
its output and a raw ESC from the input would act), and a render killed at a random instant
over an earlier render that holds a person's files."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import files, values
from tests.fuzz.budget import fuzz
from tests.fuzz.check import EXIT_CODES, check_run
from tests.fuzz.plans import base_plan
from tests.fuzz.sandbox import Sandbox, sandbox

BALANCER = [sys.executable, "-m", "balancer.cli"]
TERMINAL_ONLY = "[\x00\x07\x08\x7f-\x9f\u202a-\u202e\u2066-\u2069]"


def on_a_terminal(args: list[str], cwd: Path, timeout: float = 60.0) -> tuple[int, str]:
    """Run balancer with stdout and stderr on a pseudo-terminal; its exit code and output."""
    master, slave = os.openpty()
    env = os.environ | {"TERM": "xterm-256color", "COLUMNS": "160", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen(
        [*BALANCER, *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            elif proc.poll() is not None:
                break
    finally:
        os.close(master)
        proc.kill() if proc.poll() is None else None
    return proc.wait(), b"".join(chunks).decode("utf-8", errors="replace")


def injected(output: str, payloads: list[str]) -> list[str]:
    """The input's control sequences that reached the terminal as they were."""
    import re

    found = [repr(p) for p in payloads if any(c < " " or c > "~" for c in p) and p in output]
    found += [f"U+{ord(c):04X}" for c in sorted(set(re.findall(TERMINAL_ONLY, output)))]
    return found


PLACES = ("source_table", "category", "ingestion_type", "schedule", "header", "runs", "--name")


def _terminal_inputs(box: Sandbox, payload: str, place: str) -> list[str]:
    """github's inputs with the payload in one place; the options of the solve."""
    tables = files.example_csv("github", "tables.csv")
    runs = files.example_csv("github", "runs.csv", 200)
    header, rows = list(tables.header), [list(r) for r in tables.rows]
    if place == "header":
        header.append(f"x{payload}y")
        rows = [[*r, ""] for r in rows]
    elif place == "runs":
        runs = files.Csv(runs.header, (*runs.rows, (f"x{payload}y", *runs.rows[0][1:])))
    elif place != "--name":
        if place not in header:
            header.append(place)
            rows = [[*r, ""] for r in rows]
        rows[0][header.index(place)] = f"x{payload}y"
    box.input("tables.csv", files.encode(files.Csv(tuple(header), tuple(map(tuple, rows)))))
    box.input("runs.csv", files.encode(runs))
    argv_safe = payload.replace("\x00", "")  # no argument of a process can hold a NUL
    return ["--name", f"x{argv_safe}y"] if place == "--name" else []


@fuzz(6)
@given(payload=st.sampled_from(values.TERMINAL), place=st.sampled_from(PLACES))
def test_control_characters_of_the_input_never_reach_the_terminal(payload: str, place: str) -> None:
    with sandbox() as box:
        extra = _terminal_inputs(box, payload, place)
        code, output = on_a_terminal(
            ["solve", "--history", "runs.csv", "--time-limit", "0.2", "-o", "plan.json", *extra],
            box.root,
        )
    assert code in EXIT_CODES, f"exit code {code}\n{output}"
    assert injected(output, [payload]) == [], output


def _earlier_render(box: Sandbox) -> tuple[Path, Path]:
    plan = box.input("plan.json", json.dumps(base_plan()))
    out = box.path("out")
    args = ["render", plan, "-o", out, "--mode", "workspace", "--connector-root", "/Workspace/r"]
    check_run(box, args, [out])
    for k in range(200):
        box.input(f"out/mine/note_{k:02d}.md", f"a person's note {k}\n")
    box.input("out/src/mine.py", "# the user's own code\n")
    return plan, out


@fuzz(6)
@given(
    delay=st.floats(0.2, 1.0),
    sig=st.sampled_from((signal.SIGTERM, signal.SIGINT, signal.SIGKILL)),
)
def test_a_killed_render_loses_no_file_of_the_users(delay: float, sig: int) -> None:
    with sandbox() as box:
        plan, out = _earlier_render(box)
        proc = subprocess.Popen(
            [*BALANCER, "render", str(plan), "-o", str(out), "--dependency", "/Volumes/a/b/c.whl"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(sig)
        proc.wait(60)
        args = [
            "render",
            plan,
            "-o",
            out,
            "--mode",
            "workspace",
            "--connector-root",
            "/Workspace/r",
        ]
        staging = [p for p in box.root.iterdir() if p.name.startswith(f".{out.name}.")]
        check_run(box, args, [out, *staging])  # the killed run's staging: the tool's own
        users = sorted(p for p in box.inputs if p.startswith("out/mine/") or p == "out/src/mine.py")
        lost = [p for p in users if not box.path(p).is_file()]
        assert lost == [], f"{signal.Signals(sig).name} after {delay:.2f}s lost {lost}"
