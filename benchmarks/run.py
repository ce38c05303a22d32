"""Benchmarks of lakeflow-balancer: `python -m benchmarks.run [--quick] [--write FILE]`.

Prints Markdown tables of measured figures:
1. connector workloads against the prior tools (seed toolkit, tapworks, LPT, KK);
2. P||Cmax instances of the literature's uniform and non-uniform classes, 5 s each;
3. scale: 1,000 and 10,000 tables on 8 pipelines (time, peak memory, ratio to the bound);
4. `balancer solve` wall time on the OSIPI example (median of 5);
5. estimation time on 1,000,000 history rows.
Ratios are makespan / lower bound on pipeline loads (start-up overhead left out). Nothing
here asserts: it measures and prints.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from balancer.costs import integer_cost
from balancer.engine.instance import Instance, Item, Pool
from balancer.engine.reporter import Reporter
from balancer.engine.solver import SolveOptions, solve
from balancer.io import read_history, read_tables
from balancer.model import Catalog, History, Settings
from balancer.planning.planner import make_plan
from benchmarks import baselines
from benchmarks.instances import (
    WIDEST,
    PInstance,
    literature,
    lognormal_costs,
    read_instances,
)
from benchmarks.schedules import schedules_section
from benchmarks.stagger import section as stagger_section

ROOT = Path(__file__).resolve().parents[1]
HEADER = """# Benchmark results

Produced on the project's 2-core, 24 GiB machine, from the repository root after the
README's install step, by:

    .venv/bin/python -m benchmarks.run --write benchmarks/RESULTS.md --more-seeds 10 \\
        --instances <copy of the published instances, see below>

(without the two options: every section but the 10-seed and the held-out ones).

Each section says how long it took. Ratios are makespan / proven lower bound on pipeline
loads (start-up overhead left out); `solved to bound` means the plan meets the best lower
bound the solver proved, within 5 s of wall time on 2 cores. The methods, in the order the
solver tries them while a gap is left, and the name the `proved by` column gives them:
`bounds` (trivial, pigeonhole, Martello-Toth L2, against LPT / Karmarkar-Karp / local
search), `dive` (item-by-item exact search at the bound's capacity, `engine/exact.py`),
`bin completion` (Korf's bin-oriented search with Martello-Toth dominance and a subset-sum
reach test, `engine/bin_completion.py`, once before the LP and again after it), `LP bound`
(the column-generation bin-packing LP over a binary search on the capacity,
`engine/lp_bound.py`), `LP dive` (residual rounding on the LP at the bound's capacity, built
afresh from first-fit columns, the last ten bins by bin completion, `engine/lp_dive.py`: it
finds near-perfect packings), then `CP-SAT` below the best split found. Literature instances are
P||Cmax instances of the uniform classes of Franca et al. (1994) and the non-uniform classes
of Frangioni et al. (2004), regenerated with fixed seeds (3 per size), n in {10, 50, 100,
500, 1000}, m in {5, 10, 25}, n > m, and since this release also the widest ranges of the
published sets (uniform [1,1000] and [1,10000], non-uniform [1,10000]), where the published
instances showed the engine 1-4 units above the optimum. The summary line counts the seven
earlier classes (273 instances at 3 seeds) apart. The scale runs use the solver core directly,
without the 1000-table cap (10,000 tables cannot fit 8 pipelines under the platform's cap).

The first section is about schedules, not makespans: every plan (the seed toolkit's one
pipeline per category and ingestion type, tapworks' 250-table chunks, the makespan-only plan
the balancer made before schedule fit, and the new default) is costed by the same model
(history estimates, flows one at a time as the bundled histories show, 60 s start-up) and
judged by the new default rule (p90 run within 0.8 x its interval, daily within 4 h).
Compute is pipeline hours a day; worst data age is that of the pipelines running more than
once a day (longest gap between runs, times the skip factor, plus the p90 run). The makespan
sections compare under the makespan objective without schedule fit, as before.

With `--instances FOLDER` a last section solves every P||Cmax instance file in the folder
(two header numbers, n and m in either order, then the n times). The held-out section below
used the 13 published França / Frangioni instance files kept in the public repository
jbuckow/flaschenpost (scheduling/instances); they are not bundled here (their licence is
not stated).

The `balancer solve` section times the installed command on each example with the plan's
table printed (to a pipe), as a user first sees it, against the import of OR-Tools' CP-SAT
and pandas in the same run; none of the four examples needs OR-Tools any more, so the ratio
can fall below 1.
"""
EXAMPLES = ROOT / "examples"
# The makespan comparisons: one number, no schedule fit (the section on schedules has the rest)
MAKESPAN: dict[str, Any] = {
    "objective": "makespan",
    "sla_headroom": None,
    "concurrency": 1,
    "concurrency_calibrated": False,
}


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def single_pool(costs: Sequence[int], k: int) -> Instance:
    items = tuple(Item(f"t{i}", c, (f"t{i}",), (), "p") for i, c in enumerate(costs))
    return Instance(items, (Pool("p", "all", ""),), k, k, None, True)


# ---- 1. workloads ------------------------------------------------------------------------


def workloads() -> str:
    rows = []
    verdicts = []
    for name in ("osipi", "sap_successfactors"):
        catalog = read_tables(EXAMPLES / name / "tables.csv")
        history = read_history(EXAMPLES / name / "runs.csv")

        def plan(
            k: int,
            name: str = name,
            catalog: Catalog = catalog,
            history: History = history,
            **rules: Any,
        ) -> tuple[int, int, int]:
            s = Settings(
                pipelines_min=k, pipelines_max=k, overhead_s=0, name=name, **MAKESPAN, **rules
            )
            p = make_plan(catalog, history, s, k_explicit=True)
            return p.makespan_s, p.lower_bound_s, p.spread_s

        base = make_plan(catalog, history, Settings(overhead_s=0, name=name, **MAKESPAN))
        cost = {e.table: integer_cost(e.seconds) for e in base.estimates}
        costs = [cost[t.source_table] for t in catalog.tables]
        groups = [t.group_value("category_and_ingestion_type") for t in catalog.tables]
        # The seed's and tapworks' plans keep ingestion types and schedules apart, so they are
        # plans under balancer's default rules: compare at their K under those rules. LPT and
        # KK mix everything: compare with the same freedom.
        seed = baselines.seed_toolkit(groups)
        # Like for like first: the seed's own rule (one category and ingestion type per
        # pipeline) at the seed's K, then with one and two pipelines more.
        own = {"group_by": "category_and_ingestion_type"}
        cases: list[tuple[str, list[list[int]], str, dict[str, Any], int]] = [
            ("seed toolkit", seed, "category_and_ingestion_type (the seed's)", own, extra)
            for extra in (0, 1, 2)
        ]
        cases += [
            ("seed toolkit", seed, "ingestion_type", {"group_by": "ingestion_type"}, 0),
            (
                "tapworks",
                baselines.tapworks(groups),
                "ingestion_type",
                {"group_by": "ingestion_type"},
                0,
            ),
        ]
        mixed: dict[str, Any] = {"group_by": "none", "allow_mixed_schedules": True}
        for k in (4, 8):
            cases.append(("LPT", baselines.lpt_split(costs, k), "none, mixed schedules", mixed, 0))
            cases.append(
                ("Karmarkar-Karp", baselines.kk_split(costs, k), "none, mixed schedules", mixed, 0)
            )
        for label, split, rules_text, rules, extra in cases:
            k = len(split) + extra
            label = label if not extra else f"{label} (at K={len(split)})"
            ms, lb, sp = plan(k, **rules)
            theirs = baselines.makespan(costs, split)
            rows.append(
                [
                    name,
                    k,
                    rules_text,
                    label,
                    theirs,
                    f"{theirs / lb:.4f}",
                    baselines.spread(costs, split),
                    ms,
                    f"{ms / lb:.4f}",
                    sp,
                ]
            )
            verdicts.append(ms <= theirs)
        rows.append(
            [
                name,
                len(base.pipelines),
                "ingestion_type (default, K 3..8)",
                "-",
                "-",
                "-",
                "-",
                base.makespan_s,
                f"{base.makespan_s / base.lower_bound_s:.4f}",
                base.spread_s,
            ]
        )
    text = table(
        [
            "workload",
            "K",
            "rules",
            "baseline",
            "baseline makespan s",
            "baseline makespan/LB",
            "baseline spread s",
            "balancer makespan s",
            "balancer makespan/LB",
            "balancer spread s",
        ],
        rows,
    )
    return (
        text
        + f"\n\nbalancer never worse than the baseline: {all(verdicts)} ({sum(verdicts)}/{len(verdicts)})"
    )


# ---- 2. literature -----------------------------------------------------------------------


class _Proofs(Reporter):
    """Remembers what closed the last gap: bounds, dive, LP bound or CP-SAT."""

    def __init__(self) -> None:
        self.method = ""

    def proved(self, pool: str, n: int, method: str) -> None:
        self.method = method


def literature_section(seeds: int, limit: float, instances: list[PInstance] | None = None) -> str:
    """Each instance solved within `limit` seconds of wall time, by class: solved to the
    proven bound, ratios to it, and never worse than LPT and KK. `instances` default to the
    regenerated literature classes."""
    fams: dict[str, dict[str, list[float]]] = {}
    proved_by: dict[str, Counter[str]] = {}
    never_worse = True
    slowest = 0.0
    unsolved: list[str] = []
    for pi in instances if instances is not None else literature(seeds):
        costs = list(pi.costs)
        start = time.perf_counter()
        proofs = _Proofs()
        sol = solve(
            single_pool(costs, pi.m),
            SolveOptions(time_limit_s=limit, stages=1, clock=time.perf_counter),
            proofs,
        )
        wall = time.perf_counter() - start
        slowest = max(slowest, wall)
        lpt = baselines.makespan(costs, baselines.lpt_split(costs, pi.m))
        kk = baselines.makespan(costs, baselines.kk_split(costs, pi.m))
        never_worse &= sol.makespan <= min(lpt, kk)
        solved = sol.makespan <= sol.lower_bound and wall <= limit
        if not solved:
            unsolved.append(f"{pi.name}: {sol.makespan} vs bound {sol.lower_bound} ({wall:.1f} s)")
        else:
            proved_by.setdefault(pi.family, Counter())[proofs.method or "bounds"] += 1
        f = fams.setdefault(
            pi.family, {"n": [], "solved": [], "lpt": [], "kk": [], "bal": [], "t": []}
        )
        f["n"].append(1)
        f["solved"].append(1.0 if solved else 0.0)
        f["lpt"].append(lpt / sol.lower_bound)
        f["kk"].append(kk / sol.lower_bound)
        f["bal"].append(sol.makespan / sol.lower_bound)
        f["t"].append(wall)
    rows = []
    total = solved_total = 0
    for fam, f in fams.items():
        n = len(f["n"])
        total += n
        solved_total += int(sum(f["solved"]))
        rows.append(
            [
                fam,
                n,
                f"{100 * sum(f['solved']) / n:.1f}%",
                f"{max(f['lpt']):.4f}",
                f"{max(f['kk']):.4f}",
                f"{max(f['bal']):.4f}",
                f"{statistics.median(f['t']):.2f}",
                f"{max(f['t']):.2f}",
                ", ".join(f"{m} {c}" for m, c in sorted(proved_by.get(fam, Counter()).items())),
            ]
        )
    text = table(
        [
            "class",
            "instances",
            f"solved to bound in {limit:g} s",
            "LPT/LB max",
            "KK/LB max",
            "balancer/LB max",
            "median s",
            "max s",
            "proved by",
        ],
        rows,
    )
    text += (
        f"\n\nall: {solved_total}/{total} = {100 * solved_total / total:.1f}% solved to the proven bound; "
        f"slowest {slowest:.2f} s; balancer never worse than LPT and KK: {never_worse}"
    )
    earlier = [f for fam, f in fams.items() if fam not in WIDEST]
    if instances is None and len(earlier) < len(fams):
        n_earlier = sum(len(f["n"]) for f in earlier)
        solved_earlier = int(sum(sum(f["solved"]) for f in earlier))
        text += (
            f"\n\nthe seven earlier classes (without the widest ranges): {solved_earlier}/"
            f"{n_earlier} = {100 * solved_earlier / n_earlier:.1f}%"
        )
    if unsolved:
        text += "\n\nnot solved to the bound:\n" + "\n".join(f"- {u}" for u in unsolved)
    return text


# ---- 3. scale ----------------------------------------------------------------------------


def _scale_child(n: int, k: int) -> None:
    costs = lognormal_costs(n, seed=n)
    start = time.perf_counter()
    sol = solve(single_pool(costs, k), SolveOptions(time_limit_s=30.0, clock=time.perf_counter))
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "n": n,
                "k": k,
                "wall": wall,
                "ratio": sol.makespan / sol.lower_bound,
                "gap": (sol.makespan - sol.lower_bound) / sol.lower_bound,
                "status": sol.status,
                "peak_mib": peak_kib / 1024,
            }
        )
    )


def scale_section() -> str:
    rows = []
    for n in (1_000, 10_000):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.run", "--scale-child", str(n), "8"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(
            [
                r["n"],
                r["k"],
                f"{r['ratio']:.6f}",
                f"{100 * r['gap']:.4f}%",
                r["status"],
                f"{r['wall']:.2f}",
                f"{r['peak_mib']:.0f}",
            ]
        )
    return table(
        ["tables", "K", "makespan/LB", "gap", "status", "solve s", "peak MiB (process)"], rows
    )


# ---- 3b. rebalancing after drift ---------------------------------------------------------


def rebalance_section() -> str:
    rows = [
        _rebalance_row(1_000, 8, 0.3, 250, 0.10),
        _rebalance_row(1_000, 8, 0.5, 250, 0.10),
        _rebalance_row(10_000, 16, 0.5, 1_000, 0.0),
    ]
    return table(
        [
            "tables",
            "K",
            "drift sigma",
            "detect",
            "current makespan s",
            "fresh optimum s",
            "rebalanced s",
            "rebalanced/fresh",
            "acted",
            "moves",
            "moves model",
            "moves of a fresh solve",
            "time s",
        ],
        rows,
    )


def _rebalance_row(n: int, k: int, sigma: float, cap: int, detect: float) -> list[object]:
    """Solve n weighted tables over k pipelines, drift their weights, rebalance (timed)."""
    import dataclasses
    import random

    from balancer.model import Catalog as Cat
    from balancer.model import Table
    from balancer.planning.rebalance import RebalanceOptions, rebalance

    costs = lognormal_costs(n, seed=11)
    tables = tuple(
        Table(
            f"t{i:05d}",
            f"t{i:05d}",
            ingestion_type="snapshot",
            schedule="0 0 * * *",
            weight=float(c),
        )
        for i, c in enumerate(costs)
    )
    settings = Settings(
        pipelines_min=k,
        pipelines_max=k,
        overhead_s=0,
        name="drift",
        max_tables_per_pipeline=cap,
        **MAKESPAN,
    )
    plan = make_plan(Cat(tables, "tables.csv", ""), None, settings, k_explicit=True)
    rng = random.Random(f"drift-{sigma}")
    drifted = dataclasses.replace(
        plan,
        tables=tuple(
            dataclasses.replace(t, weight=(t.weight or 1.0) * rng.lognormvariate(0.0, sigma))
            for t in tables
        ),
    )
    start = time.perf_counter()
    proposal = rebalance(drifted, None, RebalanceOptions(detect_threshold=detect))
    wall = time.perf_counter() - start
    return [
        n,
        k,
        sigma,
        f"{detect:.0%}",
        proposal.current_makespan_s,
        proposal.best_makespan_s,
        proposal.new_makespan_s,
        f"{proposal.new_makespan_s / proposal.best_makespan_s:.4f}",
        "yes" if proposal.acted else "no",
        len(proposal.moves),
        proposal.status,
        proposal.fresh_moves,
        f"{wall:.1f}",
    ]


# ---- 4. CLI wall time on OSIPI -----------------------------------------------------------


def _timed(command: list[str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        times.append(time.perf_counter() - start)
    return times


def cli_section(repeats: int = 5) -> str:
    """`balancer solve` on the examples, the plan's table printed (to a pipe), against the
    import floor (OR-Tools and pandas), both measured in this run. The package's bytecode is
    compiled first, as pip does for an installed package (the floor's packages are
    compiled): with PYTHONDONTWRITEBYTECODE set, as on the project's machine, an editable
    install compiles its modules on every run."""
    exe = str(Path(sys.executable).with_name("balancer"))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "balancer")], check=True)
    floor = _timed([sys.executable, "-c", "import ortools.sat.python.cp_model, pandas"], repeats)
    base = statistics.median(floor)
    rows: list[list[object]] = [
        [
            "import floor: python -c 'import ortools.sat.python.cp_model, pandas'",
            repeats,
            f"{base:.2f}",
            f"{min(floor):.2f}",
            f"{max(floor):.2f}",
            "1.00",
            "-",
            "-",
        ],
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("osipi", "github", "hubspot", "sap_successfactors"):
            extra = ["--no-schedule-fit"] if name == "sap_successfactors" else []
            args = ["solve", "--history", str(EXAMPLES / name / "runs.csv"), "-o", f"{tmp}/p.json"]
            times = _timed([exe, *args, *extra], repeats)  # the plan printed, to a pipe
            plan = json.loads(Path(f"{tmp}/p.json").read_text())
            label = f"balancer solve --history examples/{name}/runs.csv {' '.join(extra)}".strip()
            median = statistics.median(times)
            rows.append(
                [
                    label,
                    repeats,
                    f"{median:.2f}",
                    f"{min(times):.2f}",
                    f"{max(times):.2f}",
                    f"{median / base:.2f}",
                    plan["solver"]["status"],
                    plan["summary"]["gap"],
                ]
            )
    return table(
        ["command", "runs", "median wall s", "min s", "max s", "x import floor", "status", "gap"],
        rows,
    )


# ---- 5. estimation on 1M rows ------------------------------------------------------------


def _estimate_child(path: str) -> None:
    from balancer.history.estimator import estimate_costs

    start = time.perf_counter()
    history = read_history(path)
    read_s = time.perf_counter() - start
    tables = read_tables(Path(path).with_name("tables.csv")).tables
    start = time.perf_counter()
    estimate_costs(tables, history, Settings())
    est_s = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": history.n_runs, "read": read_s, "estimate": est_s, "peak_mib": peak}))


def estimation_section(n_tables: int = 1_000, runs_per_table: int = 1_000) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        tpath, rpath = Path(tmp) / "tables.csv", Path(tmp) / "runs.csv"
        with tpath.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["source_table", "ingestion_type"])
            w.writerows([f"t{i:04d}", "cdc" if i % 3 else "snapshot"] for i in range(n_tables))
        subprocess.run(
            [
                str(Path(sys.executable).with_name("balancer")),
                "synth-history",
                "--tables",
                str(tpath),
                "-o",
                str(rpath),
                # a run every 1.25 triggers on average (skipped triggers, outages): about
                # runs_per_table runs a table; 32 flows at once keep the cdc updates within a day
                "--days",
                str(runs_per_table * 5 // 4),
                "--max-runs-per-table",
                str(runs_per_table * 5 // 4),
                "--concurrency",
                "32",
            ],
            check=True,
            cwd=ROOT,
        )
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.run", "--estimate-child", str(rpath)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return table(
        ["history rows", "tables", "read s", "estimate s", "total s", "peak MiB"],
        [
            [
                r["rows"],
                n_tables,
                f"{r['read']:.2f}",
                f"{r['estimate']:.2f}",
                f"{r['read'] + r['estimate']:.2f}",
                f"{r['peak_mib']:.0f}",
            ]
        ],
    )


def history_pull_section() -> str:
    from benchmarks.history_pull import history_pull_section as section

    return section()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one seed per literature class")
    ap.add_argument(
        "--more-seeds",
        type=int,
        default=0,
        help="also run the literature classes at this many seeds per size (e.g. 10)",
    )
    ap.add_argument("--write", help="also write the report to this file")
    ap.add_argument("--only", help="run only the sections whose title contains this")
    ap.add_argument(
        "--instances",
        type=Path,
        help="also solve every P||Cmax instance file in this folder (e.g. a copy of the "
        "published França / Frangioni sets): first two numbers n and m in either order",
    )
    ap.add_argument("--scale-child", nargs=2, type=int, help=argparse.SUPPRESS)
    ap.add_argument("--estimate-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.scale_child:
        _scale_child(*args.scale_child)
        return
    if args.estimate_child:
        _estimate_child(args.estimate_child)
        return
    parts = [
        ("Schedules, compute and freshness on the four examples", schedules_section),
        ("Connector workloads against the prior tools", workloads),
        (
            "Literature P||Cmax classes (5 s each)",
            lambda: literature_section(1 if args.quick else 3, 5.0),
        ),
        *(
            [
                (
                    f"Literature P||Cmax classes at {args.more_seeds} seeds per size (5 s each)",
                    lambda: literature_section(args.more_seeds, 5.0),
                )
            ]
            if args.more_seeds
            else []
        ),
        ("Scale (solver core, no table cap)", scale_section),
        ("Rebalancing after drift (target 2%, detect 10%)", rebalance_section),
        ("balancer solve on the examples against the import floor", cli_section),
        ("Estimation on 1,000,000 history rows", estimation_section),
        ("History pull beyond the 25 MiB INLINE cap", history_pull_section),
        ("Staggered start times on OSIPI", stagger_section),
    ]
    if args.instances:
        held_out = read_instances(args.instances)
        parts.append(
            (
                f"Published instances from {args.instances.name}/ (held out, 5 s each)",
                lambda: literature_section(0, 5.0, held_out),
            )
        )
    report = []
    for title, fn in parts:
        if args.only and args.only.lower() not in title.lower():
            continue
        start = time.perf_counter()
        body = fn()
        section = f"## {title}\n\n{body}\n\n(section took {time.perf_counter() - start:.0f} s)\n"
        print(section, flush=True)
        report.append(section)
    if args.write:
        Path(args.write).write_text(HEADER + "\n" + "\n".join(report))


if __name__ == "__main__":
    main()
