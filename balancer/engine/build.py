"""From tables, costs and settings to the solver's instance, checking every rule on the way.

Purity (`--group-by`) and schedules split the tables into pools; `together` labels contract
tables into one item (networkx components); pins name pipelines. Every rule of `RULES`
checks the inputs at each step and raises InfeasibleError naming the tables when they
contradict each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from balancer.costs import integer_cost, integer_p90, runtime_cap
from balancer.engine.instance import Instance, Item, Pool, pool_key
from balancer.engine.rules import RULES
from balancer.engine.rules.apart import labels_of_members
from balancer.engine.rules.pins import pin_of
from balancer.engine.rules.schedule_fit import load_cap
from balancer.engine.rules.together import components
from balancer.model import INCREMENTAL_TYPES, CostEstimate, Settings, Table
from balancer.schedules import is_batch, min_interval_seconds, runs_per_day


def build_instance(
    tables: Sequence[Table],
    estimates: Mapping[str, CostEstimate],
    settings: Settings,
    k_explicit: bool = False,
) -> Instance:
    """Contract, group and validate. Raises InfeasibleError for contradictions in the rules."""
    by_name = {t.source_table: t for t in tables}
    pool_info: dict[str, tuple[str, list[str]]] = {}
    incremental: dict[str, bool] = {}
    items: list[Item] = []
    for component in components(tables):
        members = [by_name[name] for name in component]
        keys = {pool_key(t, settings) for t in members}
        for rule in RULES:
            rule.check_component(members, sorted(keys), settings)
        pin = pin_of(members)
        labels = labels_of_members(members)
        key, group, schedule = keys.pop()
        info = pool_info.setdefault(key, (group, []))
        info[1].extend(t.schedule for t in members)
        incremental[key] = incremental.get(key, True) and all(
            t.ingestion_type in INCREMENTAL_TYPES for t in members
        )
        names = tuple(t.source_table for t in members)
        cost = sum(integer_cost(estimates[n].seconds) for n in names)
        p90 = sum(integer_p90(estimates[n]) for n in names)
        cats = tuple(sorted({t.category_label for t in members}))
        item_key = names[0] if len(names) == 1 else f"together:{members[0].together}"
        fixed = sum(round(integer_p90(estimates[n]) * _fixed_share(estimates[n])) for n in names)
        flat = max(round(_flat_until(estimates[n])) for n in names)
        items.append(Item(item_key, cost, names, cats, key, pin, labels, p90, fixed, flat))
    for rule in RULES:
        rule.check_items(items)
    pools: list[Pool] = []
    for key in sorted(pool_info):
        group, schedules = pool_info[key]
        schedule = key.split("@", 1)[1] if "@" in key else _most_common(schedules)
        pools.append(pool_of(key, group, schedule, settings, incremental[key]))
    pool_items = {p.key: [it for it in items if it.pool == p.key] for p in pools}
    for pool in pools:
        for rule in RULES:
            rule.check_pool(pool, pool_items[pool.key], settings)
    for rule in RULES:
        rule.check_pools(pools, settings)
    k_min, k_max = settings.pipelines_min, settings.pipelines_max
    return Instance(
        items=tuple(items),
        pools=tuple(pools),
        k_min=k_min,
        k_max=k_max,
        max_tables=settings.max_tables_per_pipeline,
        k_explicit=k_explicit,
        overhead_s=settings.overhead_s,
        concurrency=settings.concurrency,
    )


def pool_of(
    key: str, group: str, schedule: str, settings: Settings, incremental: bool = False
) -> Pool:
    """A pool with what its schedule implies: the schedule-fit cap, runs a day, batch or not."""
    if not schedule:
        return Pool(key, group, schedule, incremental=incremental)
    return Pool(
        key,
        group,
        schedule,
        load_cap(schedule, settings),
        runs_per_day(schedule),
        min_interval_seconds(schedule),
        is_batch(schedule),
        runtime_cap(schedule, settings),
        incremental,
        settings.max_concurrent_pipelines,
    )


def _most_common(values: list[str]) -> str:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return sorted(counts, key=lambda v: (-counts[v], v))[0]


def _fixed_share(e: CostEstimate) -> float:
    """The share of a run's cost that does not grow with the data since the previous run (0
    when the history could not tell the parts apart: then it scales in proportion)."""
    whole = e.fixed_s + e.per_min_s * e.interval_s / 60.0
    return e.fixed_s / whole if e.fixed_s > 0 and whole > 0 else 0.0


def _flat_until(e: CostEstimate) -> float:
    """The history's interval when it could not tell the parts apart (its cost is then an
    upper bound for any shorter interval), else 0."""
    return e.history_interval_s if e.fixed_s <= 0 and e.per_min_s <= 0 else 0.0
