"""The cost model: predicted seconds for one scheduled run per table.

For a table with successful runs:
1. failed runs are dropped; outliers are dropped on the log scale (beyond 4 robust standard
   deviations, from the median absolute deviation, floored so a level shift is kept);
2. each run is weighted by recency, halving every `half_life_days` before the newest run in
   the history (the history's own clock, never the machine's); a table whose runs are all
   so old that these weights would vanish is weighted from its own newest run;
3. growth: a weighted least-squares trend of log(duration) over time, used when it is
   significant (|t| > 2) and capped at x2 / x0.5, brings older runs forward to the newest;
4. the prediction is the weighted mean of the trend-adjusted runs; p50 and p90 are weighted
   quantiles of the same.
A table without usable history takes its `weight`, else rows x seconds-per-row of similar
tables (same category and ingestion type, then same ingestion type), else the median of its
ingestion type, else the median of all tables, else DEFAULT_COST_S; `source` says which.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from balancer.history.flows import resolve_tables
from balancer.model import INCREMENTAL_TYPES, CostEstimate, History, Settings, Table, TableRuns
from balancer.schedules import min_interval_seconds

DEFAULT_COST_S = 60.0
_OUTLIER_SIGMAS = 4.0
_MAX_GROWTH = 2.0
# A floor on the robust spread, so a level shift (x2) is not taken for outliers (x4 and up).
_MIN_LOG_SPREAD = 0.25
_DAY = 86400.0


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    k = int(np.searchsorted(cum, q * cum[-1] - 1e-12))
    return float(values[order][min(k, len(order) - 1)])


def estimate_table(
    runs: TableRuns | None, now: float, half_life_days: float
) -> CostEstimate | None:
    """Estimate from one table's runs; None when no successful run is usable."""
    if runs is None or len(runs) == 0:
        return None
    usable = runs.ok & (runs.duration_s > 0)
    if not usable.any():
        return None
    durations = runs.duration_s[usable]
    starts = runs.start[usable]
    logs = np.log(durations)
    med = float(np.median(logs))
    mad = float(np.median(np.abs(logs - med))) * 1.4826
    keep = np.abs(logs - med) <= _OUTLIER_SIGMAS * max(mad, _MIN_LOG_SPREAD)
    dropped = int(len(logs) - keep.sum())
    ys = logs[keep]
    xs = (starts[keep] - now) / _DAY  # days relative to the newest run (<= 0)
    weights = _recency_weights(xs, half_life_days)
    slope = _significant_slope(xs, ys, weights)
    shift = np.clip(-slope * xs, -math.log(_MAX_GROWTH), math.log(_MAX_GROWTH))
    adjusted = np.exp(ys + shift)
    mean = float((adjusted * weights).sum() / weights.sum())
    p50 = _weighted_quantile(adjusted, weights, 0.5)
    p90 = _weighted_quantile(adjusted, weights, 0.9)
    notes = []
    if dropped:
        notes.append(f"{dropped} outlier run(s) ignored")
    failed = int(len(runs) - usable.sum())
    if failed:
        notes.append(f"{failed} failed or empty run(s) ignored")
    growth = math.expm1(slope)
    if slope:
        notes.append(f"trend {growth * 100:+.1f}%/day")
    return CostEstimate(
        table=runs.table,
        seconds=round(mean, 3),
        p50=round(p50, 3),
        p90=round(p90, 3),
        source="history",
        runs_used=int(keep.sum()),
        growth_per_day=round(growth, 6),
        note="; ".join(notes),
    )


# Below this, weights relative to the history's newest run are taken relative to the table's
# own newest run instead (same ratios): products and squares of the weights stay far from
# underflow, so no table's total weight can vanish however old its runs or short the half-life.
_MIN_WEIGHT = 1e-100


def _recency_weights(xs: np.ndarray, half_life_days: float) -> np.ndarray:
    """Weights halving every `half_life_days` before the newest run (`xs` in days, <= 0);
    the largest is never below _MIN_WEIGHT."""
    weights: np.ndarray = 0.5 ** (-xs / half_life_days)
    if not weights.max() >= _MIN_WEIGHT:
        weights = 0.5 ** (-(xs - xs.max()) / half_life_days)
    return weights


def _significant_slope(xs: np.ndarray, ys: np.ndarray, ws: np.ndarray) -> float:
    """Weighted least-squares slope of y on x, or 0 when it is not clearly there."""
    if len(xs) < 6 or float(xs.max() - xs.min()) < 3.0:
        return 0.0
    sw = float(ws.sum())
    mx = float((ws * xs).sum()) / sw
    my = float((ws * ys).sum()) / sw
    dx = xs - mx
    sxx = float((ws * dx * dx).sum())
    if sxx <= 0:
        return 0.0
    slope = float((ws * dx * (ys - my)).sum()) / sxx
    resid = float((ws * (ys - my - slope * dx) ** 2).sum())
    n_eff = sw**2 / float((ws * ws).sum())
    if n_eff <= 3:
        return 0.0
    sigma2 = resid / sw * n_eff / (n_eff - 2)
    se = math.sqrt(sigma2 / sxx) if sigma2 > 0 else 0.0
    if se == 0.0 or abs(slope / se) > 2.0:
        return slope
    return 0.0


def seconds_per_row(runs: TableRuns | None) -> float | None:
    if runs is None:
        return None
    mask = runs.ok & (runs.rows_written > 0)
    if not mask.any():
        return None
    return float(np.median(runs.duration_s[mask] / runs.rows_written[mask]))


def estimate_costs(
    tables: Sequence[Table],
    history: History | None,
    settings: Settings,
    expected_rows: Mapping[str, float] | None = None,
) -> dict[str, CostEstimate]:
    """One estimate per table, in table order. Pure: the history's newest run is 'now'.

    Runs are first filed under their source tables (`balancer.history.flows.resolve_tables`): runs of
    a renamed destination or of a delete flow count for their table.
    """
    runs = resolve_tables(history, tables).runs if history is not None else {}
    starts = [float(rs.start[-1]) for rs in runs.values() if len(rs)]
    now = max(starts) if starts else 0.0
    out: dict[str, CostEstimate] = {}
    for t in tables:
        est = estimate_table(runs.get(t.source_table), now, settings.half_life_days)
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
        had_runs = t.source_table in runs and len(runs[t.source_table]) > 0
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
    table: Table, tables: Sequence[Table], runs: Mapping[str, TableRuns]
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
            if (r := seconds_per_row(runs.get(o.source_table))) is not None
        ]
        if rates:
            return statistics.median(rates), label
    return None


def calibrate_concurrency(history: History) -> int | None:
    """Flow concurrency seen in history: median over updates of sum(flow time) / wall time;
    None when no update shows two flows with their times (nothing to calibrate from)."""
    updates: dict[str, list[tuple[float, float]]] = {}
    for tr in history.runs.values():
        for run_id, start, duration in zip(
            tr.run_id, tr.start.tolist(), tr.duration_s.tolist(), strict=True
        ):
            if run_id:
                updates.setdefault(run_id, []).append((start, duration))
    ratios = []
    for flows in updates.values():
        if len(flows) < 2:
            continue
        wall = max(s + d for s, d in flows) - min(s for s, _ in flows)
        if wall > 0:
            ratios.append(sum(d for _, d in flows) / wall)
    if not ratios:
        return None
    return max(1, round(statistics.median(ratios)))


def scaled(e: CostEstimate, factor: float, note: str) -> CostEstimate:
    """An estimate times `factor` (p50 and p90 too), saying why in its note."""
    if factor == 1.0:
        return e
    return dataclasses.replace(
        e,
        seconds=round(e.seconds * factor, 3),
        p50=round(e.p50 * factor, 3),
        p90=round(e.p90 * factor, 3),
        note=f"{e.note}; {note}" if e.note else note,
    )


def for_schedule(e: CostEstimate, table: Table, recorded: str) -> CostEstimate:
    """The estimate of a table run on `table.schedule` when its history ran on `recorded`:
    an incremental table reads the data of one interval, so its cost scales with the
    interval; a snapshot reads everything every time and does not scale."""
    if table.ingestion_type not in INCREMENTAL_TYPES or not recorded:
        return e
    if " ".join(recorded.split()) == " ".join(table.schedule.split()):
        return e
    ratio = min_interval_seconds(table.schedule) / min_interval_seconds(recorded)
    return scaled(e, ratio, f"schedule {table.schedule} (x{ratio:g} data per run)")
