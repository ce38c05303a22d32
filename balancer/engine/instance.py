"""The solver's instance: items in pools (built by `balancer.engine.build`).

An item is tables that move as one; a pool is the pipelines that may hold each other's
items (one purity group and one schedule). The solver sees only `Instance`.
"""

from __future__ import annotations

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
    fit_cost: int = 0  # the p90 cost schedule fit is judged on (0: the cost)
    # the part of the p90 that a longer interval does not scale (an incremental table's fixed
    # part, balancer.history.datafit); the rest grows with the interval
    fit_fixed: int = 0
    # the interval (s) up to which the rest stays as it is: a history whose runs all came this
    # far apart gives its cost as an upper bound for any shorter interval (0: it scales at once)
    fit_flat_until: int = 0

    def p90_at(self, interval_s: int, now_s: int) -> int:
        """The p90 of runs `interval_s` apart, from the p90 of runs `now_s` apart."""
        grows = self.p90 - self.fit_fixed
        scale = max(interval_s, self.fit_flat_until) / max(now_s, self.fit_flat_until, 1)
        return round(self.fit_fixed + grows * scale)

    @property
    def p90(self) -> int:
        return max(self.cost, self.fit_cost)

    @property
    def size(self) -> int:
        return len(self.tables)


@dataclass(frozen=True)
class Pool:
    """Pipelines that may hold each other's items: one purity group and one schedule.

    `load_cap` caps the p90 cost a pipeline may hold (schedule fit); `runs_per_day` and `batch`
    (runs at most daily) let the solver weigh compute per day and the batch window, the latter
    as the pipelines will overlap when at most `lanes` run at once (`costs.lane_offsets`).
    """

    key: str
    group: str
    schedule: str
    load_cap: int | None = None
    runs_per_day: float = 1.0
    interval_s: int = 86_400
    batch: bool = True
    runtime_cap: int | None = None  # longest p90 run allowed, start-up included
    incremental: bool = False  # every item reads only new data: its cost scales with the interval
    lanes: int = 0  # pipelines of the pool that may run at once (0: no cap), start times staggered


@dataclass(frozen=True)
class Instance:
    """Everything the solver needs, nothing it does not."""

    items: tuple[Item, ...]
    pools: tuple[Pool, ...]
    k_min: int
    k_max: int
    max_tables: int | None = None
    k_explicit: bool = False
    overhead_s: int = 0
    concurrency: int = 1

    def items_of(self, pool: str) -> list[int]:
        return [i for i, it in enumerate(self.items) if it.pool == pool]


def pool_key(table: Table, settings: Settings) -> tuple[str, str, str]:
    """(pool key, purity group, schedule) of a table."""
    group = table.group_value(settings.group_by)
    if settings.allow_mixed_schedules:
        return group, group, ""
    return f"{group}@{table.schedule}", group, table.schedule
