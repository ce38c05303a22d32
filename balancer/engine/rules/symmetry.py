"""Symmetry breaking: unnamed pipelines of a pool are interchangeable, so order their loads.

Pinned (named) pipelines are not interchangeable and are left out of the ordering. Not a
rule a plan can break, so it has no violations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from balancer.engine.rules.base import BaseRule

if TYPE_CHECKING:
    from balancer.engine.cpmodel import ModelContext


class Symmetry(BaseRule):
    name = "symmetry"

    def post(self, ctx: ModelContext) -> None:
        first = ctx.problem.n_labeled
        for b in range(first, ctx.problem.n_bins - 1):
            ctx.model.add(ctx.loads[b] >= ctx.loads[b + 1])
