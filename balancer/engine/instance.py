"""From tables, costs and settings to the solver's instance: items in pools.

Purity (`--group-by`) and schedules split the tables into pools; `together` labels contract
tables into one item (networkx components); pins name pipelines. The solver sees only
`Instance`; it never reads files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from balancer.engine.rules import apart, pins, purity, sla, table_cap, together
from balancer.model import CostEstimate, Settings, Table


@dataclass(frozen=True)
class Item:
    """Tables that move as one: a single table, or a `together` component."""

    key: str
    cost: int
    tables: tuple[str, ...]
    categories: tuple[str, ...]
    pool: str
    pin: str | None = None
    apart: frozenset[str] = frozenset()

    @property
    def size(self) -> int:
        return len(self.tables)


@dataclass(frozen=True)
class Pool:
    """Pipelines that may hold each other's items: one purity group and one schedule."""

    key: str
    group: str
    schedule: str
    load_cap: int | None = None


@dataclass(frozen=True)
class Instance:
    """Everything the solver needs, nothing it does not."""

    items: tuple[Item, ...]
    pools: tuple[Pool, ...]
    k_min: int
    k_max: int
    max_tables: int | None = None
    k_explicit: bool = False

    def items_of(self, pool: str) -> list[int]:
        return [i for i, it in enumerate(self.items) if it.pool == pool]


def integer_cost(seconds: float) -> int:
    """Whole seconds, rounded up, at least 1: the solver works on integers."""
    return max(1, math.ceil(seconds - 1e-9))


def pool_key(table: Table, settings: Settings) -> tuple[str, str, str]:
    """(pool key, purity group, schedule) of a table."""
    group = table.group_value(settings.group_by)
    if settings.allow_mixed_schedules:
        return group, group, ""
    return f"{group}@{table.schedule}", group, table.schedule


def build_instance(
    tables: Sequence[Table],
    estimates: Mapping[str, CostEstimate],
    settings: Settings,
    k_explicit: bool = False,
) -> Instance:
    """Contract, group and validate. Raises InfeasibleError for contradictions in the rules."""
    table_cap.precheck_setting(settings.max_tables_per_pipeline)
    by_name = {t.source_table: t for t in tables}
    pool_info: dict[str, tuple[str, list[str]]] = {}
    items: list[Item] = []
    for component in together.components(tables):
        members = [by_name[name] for name in component]
        keys = {pool_key(t, settings) for t in members}
        together.precheck_component(members, sorted(keys), settings)
        pin = pins.precheck_component(members)
        labels = apart.precheck_component(members)
        key, group, schedule = keys.pop()
        info = pool_info.setdefault(key, (group, []))
        info[1].extend(t.schedule for t in members)
        names = tuple(t.source_table for t in members)
        cost = sum(integer_cost(estimates[n].seconds) for n in names)
        cats = tuple(sorted({t.category_label for t in members}))
        item_key = names[0] if len(names) == 1 else f"together:{members[0].together}"
        items.append(Item(item_key, cost, names, cats, key, pin, labels))
    pins.precheck_pools(items)
    apart.precheck_pins(items)
    pools: list[Pool] = []
    for key in sorted(pool_info):
        group, schedules = pool_info[key]
        schedule = key.split("@", 1)[1] if "@" in key else _most_common(schedules)
        cap = sla.load_cap(schedule, settings)
        pools.append(Pool(key, group, schedule, cap))
    pool_items = {p.key: [it for it in items if it.pool == p.key] for p in pools}
    for pool in pools:
        sla.precheck_items(pool, pool_items[pool.key], settings)
        table_cap.precheck_items(pool_items[pool.key], settings.max_tables_per_pipeline)
    k_min, k_max = settings.pipelines_min, settings.pipelines_max
    purity.precheck_pool_count(len(pools), k_max, [p.key for p in pools], settings.group_by)
    return Instance(
        items=tuple(items),
        pools=tuple(pools),
        k_min=k_min,
        k_max=k_max,
        max_tables=settings.max_tables_per_pipeline,
        k_explicit=k_explicit,
    )


def _most_common(values: list[str]) -> str:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return sorted(counts, key=lambda v: (-counts[v], v))[0]
