"""Every pipeline holds at least one table: an empty pipeline is nothing to deploy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from balancer.model import PipelinePlan

if TYPE_CHECKING:
    from balancer.engine.cpsat import ModelContext


def post(ctx: ModelContext) -> None:
    for b in range(ctx.problem.n_bins):
        if ctx.pre_count[b] == 0:
            ctx.model.add(sum(ctx.y[t][b] for t in range(len(ctx.types))) >= 1)


def violations(pipelines: Sequence[PipelinePlan]) -> list[str]:
    return [f"pipeline '{p.key}' holds no table" for p in pipelines if not p.tables]
