"""The cost model: predicted seconds for one scheduled run per table.

For a table with successful runs:
1. failed runs are dropped (the next run reads their data, so its gap spans them);
2. incremental tables (append, cdc, cdc_with_deletes): each run's data is the time since the
   table's previous successful run, or its rows written over the history's rows per second
   of data where every run has rows (`datafit.data_seconds`); snapshots read everything, so
   their runs are one level;
3. outliers are dropped on the log scale against a robust start (a least-absolute-deviations
   line on the data, or the median): beyond 4 robust standard deviations, from the median
   absolute deviation, floored so a level shift is kept;
4. each run is weighted by recency, halving every `half_life_days` before the newest run in
   the history (the history's own clock, never the machine's); a table whose runs are all
   so old that these weights would vanish is weighted from its own newest run;
5. growth: a weighted least-squares trend of log(duration) over time, used when it is
   significant (|t| > 2) and capped at x2 / x0.5, brings older runs forward to the newest;
6. an incremental table's cost is fitted as fixed_s + per_min_s x minutes of data (weighted
   least squares, both parts >= 0, with standard errors, `datafit.fit_parts`) and predicted
   at the table's own interval (`at_interval`, the one rule every schedule change uses: only
   the variable part scales). Where every run came about the same time after the previous
   one and rows cannot tell the parts apart, the note says so and the cost at the history's
   interval is an upper bound: the same at a shorter interval, in proportion at a longer one;
7. p50 and p90 are weighted quantiles of each run's ratio to its fitted cost, times the cost.
A table without usable history takes its `weight`, else rows x seconds-per-row of similar
tables (same category and ingestion type, then same ingestion type), else the median of its
ingestion type, else the median of all tables, else DEFAULT_COST_S; `source` says which, and
a plan with costs of the last three kinds says they are assumed.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from balancer.history.datafit import (
    SAME_GAP,
    Parts,
    data_seconds,
    fit_parts,
    gaps,
    robust_start,
)
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
    runs: TableRuns | None, now: float, half_life_days: float, interval_s: float = 0.0
) -> CostEstimate | None:
    """Estimate from one table's runs; None when no successful run is usable. With
    `interval_s` > 0 (an incremental table run that often), the cost is fitted as a fixed
    part plus a part per second of data since the previous run, and predicted for runs
    `interval_s` apart; with 0 it is one level (a snapshot reads everything every time)."""
    if runs is None or len(runs) == 0:
        return None
    usable = runs.ok & (runs.duration_s > 0)
    if not usable.any():
        return None
    durations = runs.duration_s[usable]
    starts = runs.start[usable]
    between = gaps(starts)
    data, rows_per_s = data_seconds(between, runs.rows_written[usable])
    incremental = interval_s > 0
    base = robust_start(data, durations) if incremental else np.exp(np.median(np.log(durations)))
    logs = np.log(durations) - np.log(base)
    med = float(np.median(logs))
    mad = float(np.median(np.abs(logs - med))) * 1.4826
    keep = np.abs(logs - med) <= _OUTLIER_SIGMAS * max(mad, _MIN_LOG_SPREAD)
    dropped = int(len(logs) - keep.sum())
    ys = logs[keep]
    xs = (starts[keep] - now) / _DAY  # days relative to the newest run (<= 0)
    weights = _recency_weights(xs, half_life_days)
    slope = _significant_slope(xs, ys, weights)
    shift = np.clip(-slope * xs, -math.log(_MAX_GROWTH), math.log(_MAX_GROWTH))
    adjusted = durations[keep] * np.exp(shift)
    parts = fit_parts(data[keep] if incremental else np.zeros(len(ys)), adjusted, weights)
    if rows_per_s:  # the interval the history ran at is still its median gap
        parts = dataclasses.replace(parts, gap_s=float(np.median(between[keep])))
    # Spread around the cost at each run's own gap, not its rows: a future run's rows are not
    # known in advance, so how much they vary belongs in its p50 and p90.
    ratios = adjusted / np.maximum(parts.at(between[keep] if parts.separable else 0.0), 1e-12)
    level = float(parts.at(parts.gap_s)) if parts.separable else parts.fixed_s
    notes = []
    if dropped:
        notes.append(f"{dropped} outlier run(s) ignored")
    failed = int(len(runs) - usable.sum())
    if failed:
        notes.append(f"{failed} failed or empty run(s) ignored")
    growth = math.expm1(slope)
    if slope:
        notes.append(f"trend {growth * 100:+.1f}%/day")
    if incremental:
        notes.append(_parts_note(parts, rows_per_s))
    est = CostEstimate(
        table=runs.table,
        seconds=round(level, 3),
        p50=round(level * _weighted_quantile(ratios, weights, 0.5), 3),
        p90=round(level * _weighted_quantile(ratios, weights, 0.9), 3),
        source="history",
        runs_used=int(keep.sum()),
        growth_per_day=round(growth, 6),
        note="; ".join(notes),
        fixed_s=round(parts.fixed_s, 6) if parts.separable else 0.0,
        per_min_s=round(parts.per_s * 60.0, 6),
        interval_s=round(parts.gap_s, 3) if incremental else 0.0,
        history_interval_s=round(parts.gap_s, 3) if incremental else 0.0,
    )
    if parts.separable and est.fixed_s == 0.0 and est.per_min_s == 0.0:
        est = dataclasses.replace(est, fixed_s=est.seconds)  # a level the data says is fixed
    return at_interval(est, interval_s, quiet=True) if incremental else est


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.4g} min"


def _parts_note(parts: Parts, rows_per_s: float) -> str:
    every = _minutes(parts.gap_s)
    if not parts.separable:
        return (
            f"every run about {every} after the previous one: its fixed and variable parts "
            "cannot be told apart, so at another interval its cost is the upper bound "
            "(no less at a shorter one, in proportion at a longer one)"
        )
    return (
        f"{parts.fixed_s:.3g} s (±{parts.fixed_se:.2g}) fixed + "
        f"{parts.per_s * 60:.3g} s (±{parts.per_se * 60:.2g}) per minute of data "
        f"(history mostly every {every}"
        + (
            f"; data measured by rows written, {rows_per_s * 60:.4g} a minute)"
            if rows_per_s
            else ")"
        )
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
        est = estimate_table(runs.get(t.source_table), now, settings.half_life_days, interval_of(t))
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
    return {t.source_table: _at_own_interval(out[t.source_table], t) for t in tables}


def _at_own_interval(e: CostEstimate, table: Table) -> CostEstimate:
    """A cost without history (a weight, a borrowed figure) is for the table's own schedule;
    at another interval it takes the upper-bound rule of `at_interval`."""
    interval = interval_of(table)
    if e.source == "history" or interval <= 0:
        return e
    return dataclasses.replace(e, interval_s=interval, history_interval_s=interval)


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
    """An estimate times `factor` (p50, p90 and both parts too), saying why in its note."""
    if factor == 1.0:
        return e
    return dataclasses.replace(
        e,
        seconds=round(e.seconds * factor, 3),
        p50=round(e.p50 * factor, 3),
        p90=round(e.p90 * factor, 3),
        fixed_s=round(e.fixed_s * factor, 6),
        per_min_s=round(e.per_min_s * factor, 6),
        note=f"{e.note}; {note}" if e.note else note,
    )


def at_interval(e: CostEstimate, interval_s: float, quiet: bool = False) -> CostEstimate:
    """The estimate of runs `interval_s` apart (seconds of data each): the one rule every
    schedule change goes through (solve, --schedule-*, what-if, the backtest). With its parts
    known, fixed_s + per_min_s x minutes; else the upper bound from the cost at the history's
    interval (the same at a shorter interval, in proportion at a longer one). p50 and p90
    follow in proportion. An estimate with interval_s 0 (a snapshot) does not scale."""
    if e.interval_s <= 0 or interval_s <= 0 or interval_s == e.interval_s:
        return e
    if e.fixed_s > 0 or e.per_min_s > 0:
        old = e.fixed_s + e.per_min_s * e.interval_s / 60.0
        new = e.fixed_s + e.per_min_s * interval_s / 60.0
    else:
        anchor = e.history_interval_s or e.interval_s
        old, new = _longer(e.interval_s / anchor), _longer(interval_s / anchor)
    ratio = new / old if old > 0 else 1.0
    out = dataclasses.replace(
        e,
        seconds=round(e.seconds * ratio, 3),
        p50=round(e.p50 * ratio, 3),
        p90=round(e.p90 * ratio, 3),
        interval_s=float(interval_s),
    )
    if quiet or ratio == 1.0:
        return out
    note = f"runs {_minutes(interval_s)} apart (x{ratio:.3g})"
    return dataclasses.replace(out, note=f"{e.note}; {note}" if e.note else note)


def _longer(ratio: float) -> float:
    """The upper-bound factor: 1 up to the history's interval (within start-time jitter)."""
    return ratio if ratio > 1.0 + SAME_GAP else 1.0


def for_schedule(e: CostEstimate, table: Table) -> CostEstimate:
    """The estimate of a table run on `table.schedule` (see `at_interval`); snapshots and
    tables of unknown type do not scale."""
    if table.ingestion_type not in INCREMENTAL_TYPES:
        return e
    return at_interval(e, min_interval_seconds(table.schedule))


def interval_of(table: Table) -> float:
    """Seconds of data one run of `table` reads on its schedule; 0 for a snapshot."""
    if table.ingestion_type not in INCREMENTAL_TYPES:
        return 0.0
    return float(min_interval_seconds(table.schedule))
