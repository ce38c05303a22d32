"""A backtest of the cost model: hold out the newest days of a history, predict them from the rest.

Every held-out successful run is predicted from the estimate made without the held-out days,
at the data that run actually read (an incremental table: the seconds since its previous
successful run, through `estimator.at_interval`; a snapshot: its one level). Per table the
error is |mean predicted - mean actual| / mean actual over its held-out runs; per group (a
plan's pipeline, else the ingestion type) the same over its tables' summed means. Coverage is
the share of held-out runs that took no longer than their predicted p90 (near 90% when the
spread is right). Pure: the history's newest run is the clock.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from balancer.errors import InputError
from balancer.history.datafit import gaps
from balancer.history.estimator import at_interval, estimate_costs
from balancer.history.flows import resolve_tables
from balancer.model import INCREMENTAL_TYPES, History, Settings, Table, TableRuns

DAY = 86400.0
UNPLANNED = "(not in the plan)"


@dataclass(frozen=True)
class Score:
    """Held-out runs of one table or group: mean predicted and actual seconds a run, the
    relative error of the means, and the share of runs within their predicted p90."""

    name: str
    group: str
    runs: int
    predicted_s: float
    actual_s: float
    error: float
    coverage: float
    source: str = ""


@dataclass(frozen=True)
class Backtest:
    holdout_days: float
    cutoff: float  # epoch seconds: runs from here on are held out
    grouped_by: str  # "pipeline" or "ingestion_type"
    tables: tuple[Score, ...]
    groups: tuple[Score, ...]
    runs: int
    coverage: float
    median_error: float


def backtest(
    tables: Sequence[Table],
    history: History,
    settings: Settings,
    holdout_days: float,
    pipeline_of: Mapping[str, str] | None = None,
) -> Backtest:
    """Score the estimates of `tables` made from all but the last `holdout_days` of `history`."""
    runs = resolve_tables(history, tables).runs
    starts = [float(r.start[-1]) for r in runs.values() if len(r)]
    newest = max(starts) if starts else 0.0
    cutoff = newest - holdout_days * DAY
    train = History({n: _slice(r, r.start < cutoff) for n, r in runs.items()})
    if not any(bool((r.ok & (r.duration_s > 0)).any()) for r in train.runs.values()):
        raise InputError(
            f"no successful run is older than the {holdout_days:g} day(s) held out, so "
            "nothing is left to predict them from.",
            fix="hold out fewer days (--holdout-days) or give a longer history.",
        )
    estimates = estimate_costs(tables, train, settings)
    group_of = {
        t.source_table: pipeline_of.get(t.source_table, UNPLANNED)
        if pipeline_of is not None
        else t.ingestion_type
        for t in tables
    }
    scores: list[Score] = []
    hits = total = 0
    for t in tables:
        tr = runs.get(t.source_table)
        if tr is None:
            continue
        ok = tr.ok & (tr.duration_s > 0)
        gap = gaps(tr.start[ok])
        held = tr.start[ok] >= cutoff
        if not held.any():
            continue
        e = estimates[t.source_table]
        incremental = t.ingestion_type in INCREMENTAL_TYPES
        preds = [at_interval(e, g, quiet=True) if incremental else e for g in gap[held]]
        mean = np.array([p.seconds for p in preds])
        p90 = np.array([p.p90 for p in preds])
        actual = tr.duration_s[ok][held]
        inside = int((actual <= p90 + 1e-9).sum())
        hits, total = hits + inside, total + len(actual)
        scores.append(
            _score(t.source_table, group_of[t.source_table], mean, actual, inside, e.source)
        )
    if total == 0:
        raise InputError(
            f"no successful run of the tables in the newest {holdout_days:g} day(s), so "
            "there is nothing to score.",
            fix="hold out more days (--holdout-days), or check that runs.csv and tables.csv "
            "name the same tables.",
        )
    groups = _groups(scores)
    return Backtest(
        holdout_days=holdout_days,
        cutoff=cutoff,
        grouped_by="pipeline" if pipeline_of is not None else "ingestion_type",
        tables=tuple(scores),
        groups=groups,
        runs=total,
        coverage=hits / total if total else 0.0,
        median_error=statistics.median(s.error for s in scores) if scores else 0.0,
    )


def _score(
    name: str, group: str, mean: np.ndarray, actual: np.ndarray, inside: int, source: str
) -> Score:
    predicted, seen = float(mean.mean()), float(actual.mean())
    return Score(
        name,
        group,
        len(actual),
        round(predicted, 3),
        round(seen, 3),
        round(abs(predicted - seen) / seen, 6),
        round(inside / len(actual), 6),
        source,
    )


def _groups(scores: Sequence[Score]) -> tuple[Score, ...]:
    by: dict[str, list[Score]] = {}
    for s in scores:
        by.setdefault(s.group, []).append(s)
    out = []
    for name in sorted(by):
        members = by[name]
        predicted = sum(s.predicted_s for s in members)
        seen = sum(s.actual_s for s in members)
        runs = sum(s.runs for s in members)
        inside = sum(s.coverage * s.runs for s in members)
        out.append(
            Score(
                name,
                name,
                runs,
                round(predicted, 3),
                round(seen, 3),
                round(abs(predicted - seen) / seen, 6) if seen else 0.0,
                round(inside / runs, 6) if runs else 0.0,
            )
        )
    return tuple(out)


def _slice(runs: TableRuns, mask: np.ndarray) -> TableRuns:
    return replace(
        runs,
        start=runs.start[mask],
        duration_s=runs.duration_s[mask],
        ok=runs.ok[mask],
        rows_written=runs.rows_written[mask],
        run_id=tuple(r for r, m in zip(runs.run_id, mask.tolist(), strict=True) if m),
        bytes_written=None if runs.bytes_written is None else runs.bytes_written[mask],
    )
