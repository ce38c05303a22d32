"""Max tables per pipeline: default 250, never above 1000 (the platform's dataset limit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from balancer.engine.instance import Item, Pool
from balancer.engine.rules.base import BaseRule, BinAfter, Limits, Need
from balancer.errors import InfeasibleError
from balancer.model import Plan, Settings, Table

if TYPE_CHECKING:
    from balancer.engine.cpmodel import ModelContext, MovesContext
    from balancer.engine.pool import PoolProblem


class TableCap(BaseRule):
    name = "table cap"

    def check_pool(self, pool: Pool, items: Sequence[Item], settings: Settings) -> None:
        max_tables = settings.max_tables_per_pipeline
        for it in items:
            if it.size > max_tables:
                raise InfeasibleError(
                    f"{it.size} tables are kept together ({it.key}: {', '.join(it.tables[:5])}"
                    f"{', ...' if it.size > 5 else ''}) but a pipeline holds at most {max_tables}.",
                    fix="split the together label or raise --max-tables-per-pipeline.",
                )

    def needs(self, pool: Pool, items: Sequence[Item], max_tables: int | None) -> Need | None:
        if not max_tables:
            return None
        size = sum(it.size for it in items)
        return Need(-(-size // max_tables), f"{size} tables, at most {max_tables} a pipeline")

    def post(self, ctx: ModelContext) -> None:
        cap = ctx.problem.max_tables
        if cap is None or sum(ctx.problem.sizes) <= cap:
            return
        for b in range(ctx.problem.n_bins):
            ctx.model.add(
                ctx.pre_size[b] + sum(typ.size * ctx.y[t][b] for t, typ in enumerate(ctx.types))
                <= cap
            )

    def post_moves(self, ctx: MovesContext) -> None:
        if ctx.max_tables:
            for key in ctx.keys:
                ctx.model.add(
                    sum(ctx.items[i].size * var for i, var in ctx.on(key)) <= ctx.max_tables
                )

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]:
        max_tables = plan.settings.max_tables_per_pipeline
        return [
            f"pipeline '{p.key}' holds {len(p.tables)} tables, more than {max_tables}"
            for p in plan.pipelines
            if len(p.tables) > max_tables
        ]

    def restricts(self, problem: PoolProblem) -> bool:
        return problem.max_tables is not None and sum(problem.sizes) > problem.max_tables

    def admits(self, after: BinAfter, limits: Limits) -> bool:
        return limits.max_tables is None or after.size <= limits.max_tables
