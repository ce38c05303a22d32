"""Solver-free check of a plan: recomputes every load and runtime and tests every rule.

Used on every plan the planner returns and in every test. Returns a list of violations
(empty when the plan is sound); never raises for a bad plan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from balancer.costs import integer_cost, integer_p90, pipeline_runtime
from balancer.engine.rules import RULES
from balancer.model import Plan, Table, category_splits


def check_plan(plan: Plan, tables: Sequence[Table]) -> list[str]:
    """Every violation: each table in exactly one pipeline first (the rest needs it), then
    the figures, then the rules."""
    return membership_problems(plan, tables) or (
        figure_problems(plan, tables) + rule_violations(plan, tables)
    )


def membership_problems(plan: Plan, tables: Sequence[Table]) -> list[str]:
    """Tables in two pipelines, in none, or unknown to `tables`."""
    names = {t.source_table for t in tables}
    seen = Counter(t for p in plan.pipelines for t in p.tables)
    out = [f"table {t} is in {n} pipelines" for t, n in sorted(seen.items()) if n > 1]
    out += [f"table {t} is in no pipeline" for t in sorted(names) if t not in seen]
    out += [f"pipeline holds unknown table {t}" for t in sorted(seen) if t not in names]
    return out


def figure_problems(plan: Plan, tables: Sequence[Table]) -> list[str]:
    """Figures of the plan that its tables' costs and settings do not reproduce (keys, the
    pipeline count, loads, runtimes, makespan, spread, bound, category splits), given that
    every table is in exactly one pipeline."""
    by_name = {t.source_table: t for t in tables}
    s = plan.settings
    out: list[str] = []
    keys = [p.key for p in plan.pipelines]
    if len(set(keys)) != len(keys):
        out.append(f"pipeline keys repeat: {sorted(k for k, n in Counter(keys).items() if n > 1)}")
    k = len(plan.pipelines)
    if not s.pipelines_min <= k <= s.pipelines_max:
        out.append(f"{k} pipelines, outside {s.pipelines_min}..{s.pipelines_max}")
    cost = {e.table: integer_cost(e.seconds) for e in plan.estimates}
    p90 = {e.table: integer_p90(e) for e in plan.estimates}
    runtimes = []
    for p in plan.pipelines:
        costs = [cost[t] for t in p.tables]
        load = sum(costs)
        runtime = pipeline_runtime(costs, s.overhead_s, s.concurrency)
        runtimes.append(runtime)
        slow = pipeline_runtime([p90[t] for t in p.tables], s.overhead_s, s.concurrency)
        if p.p90_runtime_s and slow != p.p90_runtime_s:  # 0: a plan from before p90 runtimes
            out.append(f"pipeline '{p.key}' p90 runtime is {slow}, plan says {p.p90_runtime_s}")
        if load != p.load_s:
            out.append(f"pipeline '{p.key}' load is {load}, plan says {p.load_s}")
        if runtime != p.runtime_s:
            out.append(f"pipeline '{p.key}' runtime is {runtime}, plan says {p.runtime_s}")
    if runtimes and max(runtimes) != plan.makespan_s:
        out.append(f"makespan is {max(runtimes)}, plan says {plan.makespan_s}")
    if runtimes and max(runtimes) - min(runtimes) != plan.spread_s:
        out.append(f"spread is {max(runtimes) - min(runtimes)}, plan says {plan.spread_s}")
    if plan.lower_bound_s > plan.makespan_s:
        out.append(f"lower bound {plan.lower_bound_s} exceeds makespan {plan.makespan_s}")
    splits = category_splits([by_name[t].category_label for t in p.tables] for p in plan.pipelines)
    if splits != plan.category_splits:
        out.append(f"category splits are {splits}, plan says {plan.category_splits}")
    return out


def rule_violations(plan: Plan, tables: Sequence[Table]) -> list[str]:
    """What the plan's pipelines break of the registered rules (pins, schedules, groups,
    table cap, schedule fit, ...), given that every table is in exactly one pipeline."""
    by_name = {t.source_table: t for t in tables}
    return [v for rule in RULES for v in rule.violations(plan, by_name)]
