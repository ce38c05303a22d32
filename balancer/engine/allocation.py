"""Splitting K pipelines over pools by what a data engineer pays for and waits for.

Pure. Each (pool, n) option is scored from a split of the pool over n pipelines: compute per
day (runs a day x (start-up + work) summed over its pipelines, fewer runs when a p90 run
outlasts its interval, as in `balancer.plan_metrics`), the batch window of a batch (daily
or slower) pool (its pipelines staggered under the pool's `lanes`, as the planner will start
them), the longest runtime of any pool, and the worst utilisation (p90 runtime /
interval). Options combine by sum
(compute) and max (the rest); a dynamic programme over pools keeps every allocation that no
other beats on all four, and `choose` picks one by the objective:

- balanced (default): least compute per day, counting anything within the tolerance as
  equal (an extra daily pipeline costs one start-up a day), then the shortest batch window
  (within the same tolerance), then the least compute;
- cost: least compute per day, then the shortest batch window;
- batch-window: the shortest batch window, then least compute;
- freshness: the lowest worst utilisation (data closest to its schedule), then least compute.

Schedule fit is not an objective: options that break it never exist (the pool's cap).
With the rule off, every objective first takes the least overrun (p90 runtime / interval,
counted as 1 when it fits), so an overrun is never preferred to a fit.
Remaining ties go to fewer pipelines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from balancer.costs import run_figures, runtime_from_load, staggered_window
from balancer.engine.instance import Pool
from balancer.engine.pool import PoolProblem


@dataclass(frozen=True)
class Score:
    """What one allocation (or one pool's share of it) costs and delivers."""

    compute: float  # pipeline seconds a day
    batch: int  # longest runtime among batch pools, seconds (0: none)
    makespan: int  # longest runtime, seconds
    utilisation: float  # worst p90 runtime / interval
    k: int  # pipelines

    def plus(self, other: Score) -> Score:
        return Score(
            self.compute + other.compute,
            max(self.batch, other.batch),
            max(self.makespan, other.makespan),
            max(self.utilisation, other.utilisation),
            self.k + other.k,
        )

    def dominates(self, other: Score) -> bool:
        return (
            self.compute <= other.compute
            and self.batch <= other.batch
            and self.makespan <= other.makespan
            and self.utilisation <= other.utilisation
        )


ZERO = Score(0.0, 0, 0, 0.0, 0)


def split_score(
    pool: Pool, problem: PoolProblem, assign: Sequence[int], overhead_s: int, concurrency: int
) -> Score:
    """Score of one pool split: `assign[i]` is item i's bin."""
    n = problem.n_bins
    loads, fits, largest, largest_fit = [0] * n, [0] * n, [0] * n, [0] * n
    for i, b in enumerate(assign):
        loads[b] += problem.costs[i]
        fits[b] += problem.fit_costs[i]
        largest[b] = max(largest[b], problem.costs[i])
        largest_fit[b] = max(largest_fit[b], problem.fit_costs[i])
    compute, makespan, utilisation = 0.0, 0, 0.0
    runtimes, p90s = [], []
    for b in range(n):
        runtime = runtime_from_load(loads[b], largest[b], overhead_s, concurrency)
        p90 = runtime_from_load(fits[b], largest_fit[b], overhead_s, concurrency)
        compute += run_figures(runtime, p90, pool.interval_s, pool.runs_per_day, 0)[1]
        makespan = max(makespan, runtime)
        utilisation = max(utilisation, p90 / pool.interval_s)
        runtimes.append(runtime)
        p90s.append(p90)
    batch = staggered_window(runtimes, p90s, pool.lanes) if pool.batch else 0
    return Score(round(compute, 3), batch, makespan, utilisation, n)


def pareto_allocations(
    options: Mapping[str, Mapping[int, Score]], k: int
) -> list[tuple[Score, dict[str, int]]]:
    """Every allocation of exactly k pipelines (one option per pool) that no other allocation
    of k beats on compute, batch window, makespan and utilisation at once."""
    states: dict[int, list[tuple[Score, dict[str, int]]]] = {0: [(ZERO, {})]}
    for pool in sorted(options):
        nxt: dict[int, list[tuple[Score, dict[str, int]]]] = {}
        for used, partials in states.items():
            for n, score in sorted(options[pool].items()):
                if used + n > k:
                    break
                bucket = nxt.setdefault(used + n, [])
                for total, alloc in partials:
                    _keep(bucket, (total.plus(score), {**alloc, pool: n}))
        states = nxt
    return states.get(k, [])


def _keep(
    bucket: list[tuple[Score, dict[str, int]]], candidate: tuple[Score, dict[str, int]]
) -> None:
    """Add a candidate unless dominated; drop what it dominates."""
    score = candidate[0]
    if any(other.dominates(score) for other, _ in bucket):
        return
    bucket[:] = [(s, a) for s, a in bucket if not score.dominates(s)]
    bucket.append(candidate)


def _within(values: list[float], tolerance: float) -> float:
    return min(values) * (1 + tolerance) + 1e-9


def choose(
    candidates: Sequence[tuple[Score, dict[str, int]]], objective: str, tolerance: float
) -> tuple[Score, dict[str, int]]:
    """The candidate the objective prefers (see the module docstring)."""
    order: dict[str, tuple[tuple[Callable[[Score], float], float], ...]] = {
        "balanced": ((_compute, tolerance), (_batch, tolerance), (_compute, 0.0)),
        "cost": ((_compute, 0.0), (_batch, 0.0)),
        "batch-window": ((_batch, tolerance), (_compute, 0.0)),
        "freshness": ((_utilisation, tolerance), (_compute, 0.0), (_batch, 0.0)),
    }
    pool = list(candidates)
    for metric, tol in ((_overrun, 0.0), *order[objective]):
        limit = _within([metric(s) for s, _ in pool], tol)
        pool = [(s, a) for s, a in pool if metric(s) <= limit]
    return min(pool, key=lambda c: (c[0].k, c[0].makespan, sorted(c[1].items())))


def _overrun(s: Score) -> float:
    """1 when every p90 run fits its interval, else the worst overrun: no objective prefers an
    overrun to a fit, and among overruns the shortest comes first."""
    return max(1.0, s.utilisation)


def _compute(s: Score) -> float:
    return s.compute


def _batch(s: Score) -> float:
    return float(s.batch)


def _utilisation(s: Score) -> float:
    return s.utilisation
