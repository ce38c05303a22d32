"""`balancer history pull` of results too large for INLINE (capped at 25 MiB), against the
stand-in workspace (tests/fakes: the statement API with EXTERNAL_LINKS, chunk by chunk), with
the pull in a process of its own so its peak memory is its own."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SERVER = """
import sys, time
sys.path.insert(0, {root!r})
from tests.fakes.workspace import FakeWorkspace
ws = FakeWorkspace().start()
ws.sql.result_columns = ["run_id", "pipeline_id", "table", "start_time", "duration_s",
                         "rows_written", "status"]
ws.sql.result_row = lambda k: [f"0123abcd-{{k:012d}}", "4f2c6a1e-0000-4000-8000-000000000001",
    f"table_{{k % 24:02d}}", f"2026-{{1 + k % 12:02d}}-{{1 + k % 28:02d}}T{{k % 24:02d}}:{{k % 60:02d}}:00.000Z",
    str(10 + k % 97), str(k % 5000), "COMPLETED"]
ws.sql.result_count = {rows}
ws.sql.chunk_rows = 100_000
print(ws.url, flush=True)
time.sleep(3600)
"""

PULL = """
import json, resource, sys, time
from balancer.cli import main
start = time.perf_counter()
main(["history", "pull", "--warehouse-id", "wh1", "--event-log-table",
      "cat.sch.big_event_log", "-o", sys.argv[1]], standalone_mode=False)
print(json.dumps({"wall": time.perf_counter() - start,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def pull_row(rows: int) -> list[object]:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(root=str(ROOT), rows=rows)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = (server.stdout.readline() if server.stdout else "").strip()
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "runs.csv"
            env = {
                "DATABRICKS_HOST": url,
                "DATABRICKS_TOKEN": "t",
                "DATABRICKS_CONFIG_FILE": "/none",
            }
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", PULL, str(out)],
                capture_output=True,
                text=True,
                check=True,
                env={**env, "PATH": "/usr/bin:/bin"},
                cwd=ROOT,
            )
            r = json.loads(done.stdout.strip().splitlines()[-1])
            size = out.stat().st_size
            lines = sum(1 for _ in out.open(encoding="utf-8")) - 1
        return [
            f"{rows:,}",
            f"{size / 2**20:.0f}",
            f"{lines:,}",
            f"{r['wall']:.1f}",
            f"{time.perf_counter() - started:.1f}",
            f"{r['peak_mib']:.0f}",
        ]
    finally:
        server.kill()


def history_pull_section() -> str:
    from benchmarks.run import table

    rows = [pull_row(n) for n in (100_000, 1_000_000, 2_000_000)]
    return table(
        [
            "result rows",
            "runs.csv MiB",
            "rows written",
            "pull s",
            "process s",
            "peak MiB (pull process)",
        ],
        rows,
    )
