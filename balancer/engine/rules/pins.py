"""`pin`: a table must be in the pipeline with that name (the pin becomes the pipeline key)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from balancer.errors import InfeasibleError, Location
from balancer.model import PipelinePlan, Table

if TYPE_CHECKING:
    from balancer.engine.instance import Item


def precheck_component(members: Sequence[Table]) -> str | None:
    """The one pin of tables kept together, or None; two different pins cannot both hold."""
    found = sorted({t.pin for t in members if t.pin})
    if len(found) > 1:
        names = ", ".join(f"{t.source_table} (pin {t.pin})" for t in members if t.pin)
        raise InfeasibleError(
            f"tables kept together are pinned to different pipelines: {names}.",
            fix="pin them to the same pipeline or drop one pin.",
            where=Location(column="pin", row=members[0].row),
        )
    return found[0] if found else None


def precheck_pools(items: Sequence[Item]) -> None:
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
                fix="pin these tables to different pipelines, align their schedules, or choose "
                "a coarser --group-by.",
                where=Location(column="pin"),
            )


def violations(pipelines: Sequence[PipelinePlan], tables: dict[str, Table]) -> list[str]:
    where = {t: p.key for p in pipelines for t in p.tables}
    return [
        f"table {name} is pinned to '{t.pin}' but is in '{where.get(name)}'"
        for name, t in sorted(tables.items())
        if t.pin and where.get(name) != t.pin
    ]
