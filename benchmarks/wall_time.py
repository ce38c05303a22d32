"""Wall time of the whole `balancer solve` CLI against its --time-limit, and of `balancer
rebalance` against a fresh solve of the same history:

    .venv/bin/python -m benchmarks.wall_time --instances FOLDER [--write FILE]

FOLDER holds published P||Cmax instance files (two header numbers n and m in either order,
then the n times; the França / Frangioni files are not bundled). Each instance becomes a
tables.csv of snapshot tables whose weight is the time, solved over m pipelines by the CLI
in a fresh process (start-up included) with `--no-schedule-fit --objective makespan`.
Generated cases (seeded): 125 tables over 50 pipelines in three classes, and 10,240 tables
over 1,000 pipelines at --time-limit 5 and 10, in one pool (makespan objective, as every
row above) and in three (snapshot, cdc, append at their default schedules; the default
balanced objective). The rebalance row times the CLI on 1,000
tables with a synthetic history (best of three runs each). Makespan and bound are in load
units (no start-up overhead, one flow at a time: a pipeline's runtime is its load); the bound
is the one the solver proved, as plan.json gives it. `(wall)` marks a plan the wall deadline
cut short (its warning). Nothing here asserts: it measures and prints.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.instances import PInstance, non_uniform, read_instances, uniform

WALL_MARGIN_S = 120.0  # a run still going this long after its limit is stopped and reported
SOLVE_FLAGS = [
    *("--no-schedule-fit", "--max-tables-per-pipeline", "1000"),
    *("--overhead", "0", "--concurrency", "1"),  # a pipeline's runtime is its load
]


def _cli(args: Sequence[str], timeout: float) -> tuple[float, int]:
    """Run `balancer ARGS` in a fresh interpreter: (wall seconds, exit code; -1 on timeout)."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "balancer.cli", *args, "-q"],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        code = done.returncode
    except subprocess.TimeoutExpired:
        code = -1
    return time.perf_counter() - start, code


def _tables_csv(costs: Sequence[int], path: Path, kinds: Sequence[str]) -> None:
    """Tables of these costs (weights), of the ingestion types `kinds` in turn (one pool
    each, at their default schedules)."""
    lines = ["source_table,category,ingestion_type,weight,cursor_field"]
    for i, c in enumerate(costs):
        kind = kinds[i % len(kinds)]
        lines.append(f"t{i:05d},c{i % 7},{kind},{c},{'' if kind == 'snapshot' else 'updated_at'}")
    path.write_text("\n".join(lines) + "\n")


def solve_row(
    pi: PInstance,
    limit: float,
    work: Path,
    kinds: Sequence[str] = ("snapshot",),
    objective: str = "makespan",
) -> list[object]:
    """One instance through `balancer solve`: the table's row."""
    tables, plan = work / "tables.csv", work / "plan.json"
    _tables_csv(pi.costs, tables, kinds)
    plan.unlink(missing_ok=True)
    args = ["solve", "--tables", str(tables), "--pipelines", str(pi.m)]
    args += ["--time-limit", f"{limit:g}", "-o", str(plan), *SOLVE_FLAGS, "--objective", objective]
    wall, code = _cli(args, limit + WALL_MARGIN_S)
    row: list[object] = [pi.name, len(pi.costs), pi.m, f"{limit:g}", f"{wall:.2f}"]
    if code != 0 or not plan.exists():
        return [*row, "timeout" if code == -1 else f"exit {code}", "-", "-", "-", "-"]
    doc = json.loads(plan.read_text())
    cost = {f"t{i:05d}": c for i, c in enumerate(pi.costs)}
    makespan = max(sum(cost[t] for t in p["tables"]) for p in doc["pipelines"])
    bound = doc["summary"]["lower_bound_s"]  # the solver's proven bound (runtime = load here)
    cut = any("wall-time limit" in w for w in doc["warnings"])
    status = doc["solver"]["status"] + (" (wall)" if cut else "")
    return [*row, status, makespan, bound, f"{makespan / bound:.4f}", f"{wall - limit:+.2f}"]


def generated(n: int, m: int) -> list[PInstance]:
    """Seeded cases: 125 x 50 in three classes, or one uniform [1,1000] case of n x m."""
    if (n, m) != (125, 50):
        rng = random.Random(f"wall-{n}-{m}")
        return [PInstance(f"generated U[1,1000] {n}x{m}", "", tuple(uniform(n, 1, 1000, rng)), m)]
    out = []
    for lo, hi in ((1, 100), (1, 1000)):
        rng = random.Random(f"wall-u-{lo}-{hi}")
        out.append(
            PInstance(f"generated U[{lo},{hi}] 125x50", "", tuple(uniform(n, lo, hi, rng)), m)
        )
    rng = random.Random("wall-nu-1-10000")
    out.append(
        PInstance("generated NU[1,10000] 125x50", "", tuple(non_uniform(n, 1, 10000, rng)), m)
    )
    return out


def rebalance_row(work: Path, repeats: int = 3) -> list[object]:
    """1,000 tables (a third each snapshot, cdc, append) with a 14-day synthetic history,
    solved over 16 pipelines; the history drifted (sigma 0.5); then a fresh solve of the
    drifted history against `balancer rebalance` of the plan (best of `repeats`)."""
    tables = work / "tables.csv"
    kinds = ("snapshot", "cdc", "append")
    lines = ["source_table,category,ingestion_type,primary_keys,cursor_field,schedule"]
    for i in range(1000):
        kind = kinds[i % 3]
        cursor, cron = ("", "0 0 * * *") if kind == "snapshot" else ("updated_at", "0 */6 * * *")
        lines.append(f'tbl_{i:04d},cat{i % 20},{kind},"[""id""]",{cursor},{cron}')
    tables.write_text("\n".join(lines) + "\n")
    runs, drift, plan = work / "runs.csv", work / "drift.csv", work / "plan.json"
    synth = ["synth-history", "--tables", str(tables), "--days", "14"]
    synth += ["--max-runs-per-table", "60", "--concurrency", "16"]  # 333 tables an update
    _cli([*synth, "-o", str(runs)], 600)
    _cli([*synth, "-o", str(drift), "--drift", "0.5"], 600)
    flags = ["--pipelines", "16", "--no-schedule-fit"]
    _cli(["solve", "--tables", str(tables), "--history", str(runs), "-o", str(plan), *flags], 600)
    fresh, moved = [], []
    for _ in range(repeats):
        out = str(work / "fresh.json")
        fresh.append(
            _cli(
                ["solve", "--tables", str(tables), "--history", str(drift), "-o", out, *flags], 600
            )
        )
        args = ["rebalance", "--plan", str(plan), "--history", str(drift)]
        moved.append(_cli([*args, "-o", str(work / "proposal"), "--detect-threshold", "0"], 600))
    best_fresh = min(w for w, _ in fresh)
    best_moved = min(w for w, _ in moved)
    codes = sorted({c for _, c in fresh + moved})
    return [
        "1,000 tables, 16 pipelines, drift 0.5",
        f"{best_fresh:.2f}",
        f"{best_moved:.2f}",
        f"{best_moved / best_fresh:.2f}",
        ", ".join(str(c) for c in codes),
    ]


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", type=Path, required=True, help="folder of P||Cmax files")
    ap.add_argument("--limit", type=float, default=5.0, help="--time-limit of each solve")
    ap.add_argument("--write", type=Path, help="also append the section to this file")
    args = ap.parse_args()
    started = time.perf_counter()
    cases = [(pi, args.limit) for pi in read_instances(args.instances)]
    cases += [(pi, args.limit) for pi in generated(125, 50)]
    big = generated(10_240, 1_000)[0]
    cases += [(big, 5.0), (big, 10.0)]
    pools = dataclasses.replace(big, name=f"{big.name}, 3 pools, balanced objective")
    with tempfile.TemporaryDirectory() as tmp:
        rows = [solve_row(pi, limit, Path(tmp)) for pi, limit in cases]
        kinds = ("snapshot", "cdc", "append")
        rows += [solve_row(pools, limit, Path(tmp), kinds, "balanced") for limit in (5.0, 10.0)]
        with tempfile.TemporaryDirectory() as tmp2:
            rebalance = rebalance_row(Path(tmp2))
    header = ["instance", "n", "m", "--time-limit", "wall s", "status", "makespan", "bound"]
    text = table([*header, "makespan/bound", "wall - limit s"], rows)
    text += "\n\n" + table(
        ["rebalance case", "fresh solve s", "rebalance s", "rebalance/fresh", "exit codes"],
        [rebalance],
    )
    text += f"\n\n(section took {time.perf_counter() - started:.0f} s)\n"
    print(text, flush=True)
    if args.write:
        with args.write.open("a") as f:
            f.write(text)


if __name__ == "__main__":
    main()
