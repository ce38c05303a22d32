"""A new rule is one module implementing `Rule`, registered: the builder, the solver's
searches (through `admits`), CP-SAT, the moves model and the checker all take it from there.

The rule here, `MaxItems`, caps the items (tables kept together count once) a pipeline
holds; it is written below exactly as a module in `engine/rules/` would be."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from balancer.engine.checker import check_plan
from balancer.engine.rules import RULES, BaseRule, BinAfter, Limits
from balancer.model import Plan, Table
from tests.helpers import plan_of, table


class MaxItems(BaseRule):
    name = "max items"

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def restricts(self, problem: Any) -> bool:
        return problem.n_items > self.limit

    def admits(self, after: BinAfter, limits: Limits) -> bool:
        return after.count <= self.limit

    def post(self, ctx: Any) -> None:
        for b in range(ctx.problem.n_bins):
            count = sum(ctx.y[t][b] for t in range(len(ctx.types)))
            ctx.model.add(ctx.pre_count[b] + count <= self.limit)

    def post_moves(self, ctx: Any) -> None:
        for key in ctx.keys:
            ctx.model.add(sum(var for _, var in ctx.on(key)) <= self.limit)

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]:
        return [
            f"pipeline '{p.key}' holds {len(p.tables)} tables, more than {self.limit} items"
            for p in plan.pipelines
            if len(p.tables) > self.limit
        ]


def tables() -> list[Table]:
    # one big table and many small ones: balancing alone puts 1 against 5
    return [table("big", 100)] + [table(f"s{i}", 20) for i in range(5)]


def test_a_registered_rule_binds_every_consumer() -> None:
    free = plan_of(tables(), pipelines_min=2, pipelines_max=2)
    assert sorted(len(p.tables) for p in free.pipelines) == [1, 5]
    rule = MaxItems(3)
    assert rule.violations(free, {}) != []
    with RULES.registered(rule):
        bound = plan_of(tables(), pipelines_min=2, pipelines_max=2)  # checked by the checker
        assert sorted(len(p.tables) for p in bound.pipelines) == [3, 3]
        assert check_plan(free, free.tables) != []  # the checker asks the new rule too
    assert check_plan(free, free.tables) == []  # and forgets it with its registration


def test_the_searches_ask_it_through_admits() -> None:
    from balancer.engine.placement import BinState, restricted
    from balancer.engine.pool import PoolProblem

    problem = PoolProblem(costs=(5, 4, 3, 2), n_bins=2)
    state = BinState(problem, [0, 0, 1, 1])
    assert state.can_place(2, 0)
    with RULES.registered(MaxItems(2)):
        assert restricted(PoolProblem(costs=(5, 4, 3, 2), n_bins=2))
        assert not state.can_place(2, 0)  # a third item
        assert state.can_place(2, 0, leaving=1)  # a swap keeps two
