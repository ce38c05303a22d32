"""The solver's instance: items in pools (built by `balancer.engine.build`).

An item is tables that move as one; a pool is the pipelines that may hold each other's
items (one purity group and one schedule). The solver sees only `Instance`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from balancer.model import Settings, Table


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
