"""Max tables per pipeline: default 250, never above 1000 (the platform's dataset limit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from balancer.errors import InfeasibleError, InputError
from balancer.model import MAX_TABLES_CEILING, PipelinePlan

if TYPE_CHECKING:
    from balancer.engine.cpsat import ModelContext
    from balancer.engine.instance import Item


def precheck_setting(max_tables: int) -> None:
    if not 1 <= max_tables <= MAX_TABLES_CEILING:
        raise InputError(
            f"--max-tables-per-pipeline is {max_tables}; it must be between 1 and "
            f"{MAX_TABLES_CEILING} (a pipeline holds at most {MAX_TABLES_CEILING} datasets).",
            fix=f"pass a value from 1 to {MAX_TABLES_CEILING}.",
        )


def precheck_items(items: Sequence[Item], max_tables: int) -> None:
    for it in items:
        if it.size > max_tables:
            raise InfeasibleError(
                f"{it.size} tables are kept together ({it.key}: {', '.join(it.tables[:5])}"
                f"{', ...' if it.size > 5 else ''}) but a pipeline holds at most {max_tables}.",
                fix="split the together label or raise --max-tables-per-pipeline.",
            )


def post(ctx: ModelContext) -> None:
    cap = ctx.problem.max_tables
    if cap is None or sum(ctx.problem.sizes) <= cap:
        return
    for b in range(ctx.problem.n_bins):
        ctx.model.add(
            ctx.pre_size[b] + sum(typ.size * ctx.y[t][b] for t, typ in enumerate(ctx.types)) <= cap
        )


def violations(pipelines: Sequence[PipelinePlan], max_tables: int) -> list[str]:
    return [
        f"pipeline '{p.key}' holds {len(p.tables)} tables, more than {max_tables}"
        for p in pipelines
        if len(p.tables) > max_tables
    ]
