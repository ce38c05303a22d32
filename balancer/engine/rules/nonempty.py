"""Every pipeline holds at least one table: an empty pipeline is nothing to deploy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from balancer.engine.rules.base import BaseRule, BinAfter, Limits
from balancer.model import Plan, Table

if TYPE_CHECKING:
    from balancer.engine.cpmodel import ModelContext, MovesContext


class NonEmpty(BaseRule):
    name = "non-empty"

    def post(self, ctx: ModelContext) -> None:
        for b in range(ctx.problem.n_bins):
            if ctx.pre_count[b] == 0:
                ctx.model.add(sum(ctx.y[t][b] for t in range(len(ctx.types))) >= 1)

    def post_moves(self, ctx: MovesContext) -> None:
        for key in ctx.keys:
            ctx.model.add(sum(var for _, var in ctx.on(key)) >= 1)

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]:
        return [f"pipeline '{p.key}' holds no table" for p in plan.pipelines if not p.tables]

    def admits(self, after: BinAfter, limits: Limits) -> bool:
        return after.count >= 1
