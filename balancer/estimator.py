"""The cost model (DESIGN.md section 4): predicted seconds for one scheduled run per table.

For a table with successful runs:
1. failed runs are dropped; outliers are dropped on the log scale (beyond 4 robust standard
   deviations, from the median absolute deviation, floored so a level shift is kept);
2. each run is weighted by recency, halving every `half_life_days` before the newest run in
   the history (the history's own clock, never the machine's);
3. growth: a weighted least-squares trend of log(duration) over time, used when it is
   significant (|t| > 2) and capped at x2 / x0.5, brings older runs forward to the newest;
4. the prediction is the weighted mean of the trend-adjusted runs; p50 and p90 are weighted
   quantiles of the same.
A table without usable history takes its `weight`, else rows x seconds-per-row of similar
tables (same category and ingestion type, then same ingestion type), else the median of its
ingestion type, else the median of all tables, else DEFAULT_COST_S; `source` says which.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence

from balancer.model import CostEstimate, History, Run, Settings, Table

DEFAULT_COST_S = 60.0
_OUTLIER_SIGMAS = 4.0
_MAX_GROWTH = 2.0
# A floor on the robust spread, so a level shift (x2) is not taken for outliers (x4 and up).
_MIN_LOG_SPREAD = 0.25
_DAY = 86400.0


def _weighted_quantile(values: Sequence[float], weights: Sequence[float], q: float) -> float:
    pairs = sorted(zip(values, weights, strict=True))
    total = sum(w for _, w in pairs)
    acc = 0.0
    for v, w in pairs:
        acc += w
        if acc >= q * total - 1e-12:
            return v
    return pairs[-1][0]


def _successful(runs: Sequence[Run]) -> list[Run]:
    from balancer.readers.runs import FAILED

    return [r for r in runs if r.status not in FAILED]


def estimate_table(runs: Sequence[Run], now: float, half_life_days: float) -> CostEstimate | None:
    """Estimate from one table's runs; None when no successful run is usable."""
    ok = [r for r in _successful(runs) if r.duration_s > 0]
    if not ok:
        return None
    table = ok[0].table
    logs = [math.log(r.duration_s) for r in ok]
    med = statistics.median(logs)
    mad = statistics.median([abs(x - med) for x in logs]) * 1.4826
    limit = _OUTLIER_SIGMAS * max(mad, _MIN_LOG_SPREAD)
    kept = [(r, x) for r, x in zip(ok, logs, strict=True) if abs(x - med) <= limit]
    dropped = len(ok) - len(kept)
    ages = [(now - r.start) / _DAY for r, _ in kept]
    weights = [0.5 ** (a / half_life_days) for a in ages]
    xs = [-a for a in ages]  # days relative to the newest run (<= 0)
    ys = [x for _, x in kept]
    slope = _significant_slope(xs, ys, weights)
    adjusted = []
    for x, y in zip(xs, ys, strict=True):
        shift = max(-math.log(_MAX_GROWTH), min(math.log(_MAX_GROWTH), -slope * x))
        adjusted.append(math.exp(y + shift))
    total_w = sum(weights)
    mean = sum(v * w for v, w in zip(adjusted, weights, strict=True)) / total_w
    p50 = _weighted_quantile(adjusted, weights, 0.5)
    p90 = _weighted_quantile(adjusted, weights, 0.9)
    notes = []
    if dropped:
        notes.append(f"{dropped} outlier run(s) ignored")
    failed = len(runs) - len(ok)
    if failed:
        notes.append(f"{failed} failed or empty run(s) ignored")
    growth = math.expm1(slope)
    if slope:
        notes.append(f"trend {growth * 100:+.1f}%/day")
    return CostEstimate(
        table=table,
        seconds=round(mean, 3),
        p50=round(p50, 3),
        p90=round(p90, 3),
        source="history",
        runs_used=len(kept),
        growth_per_day=round(growth, 6),
        note="; ".join(notes),
    )


def _significant_slope(xs: list[float], ys: list[float], ws: list[float]) -> float:
    """Weighted least-squares slope of y on x, or 0 when it is not clearly there."""
    n = len(xs)
    if n < 6 or max(xs) - min(xs) < 3.0:
        return 0.0
    sw = sum(ws)
    mx = sum(w * x for w, x in zip(ws, xs, strict=True)) / sw
    my = sum(w * y for w, y in zip(ws, ys, strict=True)) / sw
    sxx = sum(w * (x - mx) ** 2 for w, x in zip(ws, xs, strict=True))
    if sxx <= 0:
        return 0.0
    sxy = sum(w * (x - mx) * (y - my) for w, x, y in zip(ws, xs, ys, strict=True))
    slope = sxy / sxx
    resid = sum(w * (y - my - slope * (x - mx)) ** 2 for w, x, y in zip(ws, xs, ys, strict=True))
    n_eff = sw**2 / sum(w * w for w in ws)
    if n_eff <= 3:
        return 0.0
    sigma2 = resid / sw * n_eff / (n_eff - 2)
    se = math.sqrt(sigma2 / sxx) if sigma2 > 0 else 0.0
    if se == 0.0 or abs(slope / se) > 2.0:
        return slope
    return 0.0


def seconds_per_row(runs: Sequence[Run]) -> float | None:
    rates = [r.duration_s / r.rows_written for r in _successful(runs) if r.rows_written]
    return statistics.median(rates) if rates else None


def estimate_costs(
    tables: Sequence[Table],
    history: History | None,
    settings: Settings,
    expected_rows: Mapping[str, float] | None = None,
) -> dict[str, CostEstimate]:
    """One estimate per table, in table order. Pure: the history's newest run is 'now'."""
    runs = history.runs if history is not None else {}
    starts = [rs[-1].start for rs in runs.values() if rs]
    now = max(starts) if starts else 0.0
    out: dict[str, CostEstimate] = {}
    for t in tables:
        est = estimate_table(runs.get(t.source_table, ()), now, settings.half_life_days)
        if est is not None:
            out[t.source_table] = est
    by_type: dict[str, list[float]] = {}
    for t in tables:
        if t.source_table in out:
            by_type.setdefault(t.ingestion_type, []).append(out[t.source_table].seconds)
    all_known = [e.seconds for e in out.values()]
    rows = expected_rows or {}
    for t in tables:
        if t.source_table in out:
            continue
        had_runs = bool(runs.get(t.source_table))
        why = "only failed runs in the history" if had_runs else "no runs in the history"
        if t.weight is not None:
            out[t.source_table] = CostEstimate(
                t.source_table,
                t.weight,
                t.weight,
                t.weight,
                "weight",
                note=f"{why}; weight from tables.csv",
            )
            continue
        rate = _similar_rate(t, tables, runs)
        if t.source_table in rows and rate is not None:
            secs = rows[t.source_table] * rate[0]
            out[t.source_table] = CostEstimate(
                t.source_table,
                round(secs, 3),
                round(secs, 3),
                round(secs, 3),
                "similar",
                note=f"{why}; {rows[t.source_table]:g} rows x {rate[0]:.3g} s/row of {rate[1]}",
            )
            continue
        if by_type.get(t.ingestion_type):
            secs = statistics.median(by_type[t.ingestion_type])
            note = f"{why}; median of {t.ingestion_type} tables"
        elif all_known:
            secs = statistics.median(all_known)
            note = f"{why}; median of all tables with history"
        else:
            secs = DEFAULT_COST_S
            note = f"{why} and no weight; assumed {DEFAULT_COST_S:g} s"
        out[t.source_table] = CostEstimate(
            t.source_table, round(secs, 3), round(secs, 3), round(secs, 3), "fallback", note=note
        )
    return {t.source_table: out[t.source_table] for t in tables}


def _similar_rate(
    table: Table, tables: Sequence[Table], runs: Mapping[str, Sequence[Run]]
) -> tuple[float, str] | None:
    """Median seconds per row of tables like this one that have rows in their history."""
    tiers: list[tuple[Callable[[Table], bool], str]] = [
        (
            lambda o: o.category == table.category and o.ingestion_type == table.ingestion_type,
            f"{table.category or 'uncategorized'} {table.ingestion_type} tables",
        ),
        (lambda o: o.ingestion_type == table.ingestion_type, f"{table.ingestion_type} tables"),
    ]
    for match, label in tiers:
        rates = [
            r
            for o in tables
            if o is not table and match(o)
            if (r := seconds_per_row(runs.get(o.source_table, ()))) is not None
        ]
        if rates:
            return statistics.median(rates), label
    return None


def pipeline_runtime(costs: Sequence[int], overhead_s: int, concurrency: int) -> int:
    """Start-up overhead plus the tables run `concurrency` at a time: >= max(sum/c, largest)."""
    if not costs:
        return overhead_s
    return overhead_s + max(-(-sum(costs) // concurrency), max(costs))


def calibrate_concurrency(history: History) -> int:
    """Flow concurrency seen in history: median over updates of sum(flow time) / wall time."""
    updates: dict[str, list[Run]] = {}
    for rs in history.runs.values():
        for r in rs:
            if r.run_id:
                updates.setdefault(r.run_id, []).append(r)
    ratios = []
    for flows in updates.values():
        if len(flows) < 2:
            continue
        wall = max(f.start + f.duration_s for f in flows) - min(f.start for f in flows)
        if wall > 0:
            ratios.append(sum(f.duration_s for f in flows) / wall)
    if not ratios:
        return 1
    return max(1, round(statistics.median(ratios)))
