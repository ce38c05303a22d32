"""together: tables sharing a label share a pipeline (contracted into one item)."""

import pytest

from balancer.engine.rules.together import components
from balancer.errors import InfeasibleError
from tests.helpers import plan_of, table, where


def test_components_join_chains_of_labels() -> None:
    tables = [
        table("a", 1, together="x"),
        table("b", 1, together="x;y"),
        table("c", 1, together="y"),
        table("d", 1),
    ]
    assert components(tables) == [["a", "b", "c"], ["d"]]


def test_feasible_together_tables_share_a_pipeline() -> None:
    tables = [
        table("a", 30, together="g"),
        table("b", 30, together="g"),
        table("c", 60),
        table("d", 1),
    ]
    plan = plan_of(tables, pipelines_min=2, pipelines_max=2)
    w = where(plan)
    assert w["a"] == w["b"]


def test_together_changes_the_answer() -> None:
    free = [table("a", 50), table("b", 50), table("c", 50), table("d", 50)]
    assert plan_of(free, pipelines_min=2, pipelines_max=2).makespan_s == 100
    bound = [
        table("a", 50, together="g"),
        table("b", 50, together="g"),
        table("c", 50, together="g"),
        table("d", 50),
    ]
    assert plan_of(bound, pipelines_min=2, pipelines_max=2).makespan_s == 150


def test_infeasible_together_across_schedules() -> None:
    tables = [
        table("a", 1, together="g"),
        table("b", 1, together="g", schedule="0 * * * *"),
        table("c", 1),
    ]
    with pytest.raises(
        InfeasibleError, match=r"together label 'g' cannot share a pipeline.*a \(group snapshot"
    ):
        plan_of(tables, pipelines_min=2, pipelines_max=2)


def test_infeasible_together_and_apart_at_once() -> None:
    tables = [
        table("a", 1, together="g", apart=("x",)),
        table("b", 1, together="g", apart=("x",)),
        table("c", 1),
    ]
    with pytest.raises(InfeasibleError, match=r"together .* and apart"):
        plan_of(tables, pipelines_min=2, pipelines_max=2)


def test_infeasible_together_with_two_pins() -> None:
    tables = [
        table("a", 1, together="g", pin="p"),
        table("b", 1, together="g", pin="q"),
        table("c", 1),
    ]
    with pytest.raises(InfeasibleError, match="pinned to different pipelines"):
        plan_of(tables, pipelines_min=2, pipelines_max=2)
