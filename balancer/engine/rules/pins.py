"""`pin`: a table must be in the pipeline with that name (the pin becomes the pipeline key)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from balancer.engine.instance import Item, Pool
from balancer.engine.rules.base import BaseRule, BinAfter, Limits, Need, PoolKey
from balancer.errors import InfeasibleError, Location
from balancer.model import Plan, Settings, Table

if TYPE_CHECKING:
    from balancer.engine.pool import PoolProblem


def pin_of(members: Sequence[Table]) -> str | None:
    """The pin of tables kept together (checked to be one by `Pins.check_component`)."""
    found = sorted({t.pin for t in members if t.pin})
    return found[0] if found else None


class Pins(BaseRule):
    name = "pin"

    def check_component(
        self, members: Sequence[Table], pool_keys: Sequence[PoolKey], settings: Settings
    ) -> None:
        """Tables kept together cannot be pinned to two different pipelines."""
        if len({t.pin for t in members if t.pin}) > 1:
            names = ", ".join(f"{t.source_table} (pin {t.pin})" for t in members if t.pin)
            raise InfeasibleError(
                f"tables kept together are pinned to different pipelines: {names}.",
                fix="pin them to the same pipeline or drop one pin.",
                where=Location(column="pin", row=members[0].row),
            )

    def check_items(self, items: Sequence[Item]) -> None:
        """All tables pinned to one pipeline must be allowed to share it (same pool)."""
        pools: dict[str, dict[str, list[str]]] = {}
        for it in items:
            if it.pin:
                pools.setdefault(it.pin, {}).setdefault(it.pool, []).extend(it.tables)
        for pin, by_pool in sorted(pools.items()):
            if len(by_pool) > 1:
                detail = "; ".join(
                    f"{', '.join(tables)} in {pool.replace('@', ' with schedule ')}"
                    for pool, tables in sorted(by_pool.items())
                )
                raise InfeasibleError(
                    f"pipeline '{pin}' cannot exist: the tables pinned to it belong to different "
                    f"groups or schedules ({detail}), and a pipeline holds one of each.",
                    fix="pin these tables to different pipelines, align their schedules, or "
                    "choose a coarser --group-by.",
                    where=Location(column="pin"),
                )

    def needs(self, pool: Pool, items: Sequence[Item], max_tables: int | None) -> Need | None:
        pins = sorted({it.pin for it in items if it.pin})
        if not pins:
            return None
        return Need(
            len(pins), f"tables are pinned to {len(pins)} pipelines ({', '.join(pins[:5])})"
        )

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]:
        where = {t: p.key for p in plan.pipelines for t in p.tables}
        return [
            f"table {name} is pinned to '{t.pin}' but is in '{where.get(name)}'"
            for name, t in sorted(tables.items())
            if t.pin and where.get(name) != t.pin
        ]

    def restricts(self, problem: PoolProblem) -> bool:
        return problem.n_labeled > 0 or any(p is not None for p in problem.pins)

    def admits(self, after: BinAfter, limits: Limits) -> bool:
        """An item pinned to a pipeline goes there and nowhere else."""
        return all(pin is None or pin == after.bin for pin in after.arriving_pins)
