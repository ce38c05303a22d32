"""pin: the table stays in the pipeline of that name."""

import pytest

from balancer.errors import InfeasibleError
from tests.helpers import plan_of, table, where


def test_feasible_pinned_tables_land_in_their_named_pipeline() -> None:
    tables = [table("a", 50, pin="hot"), table("b", 50, pin="hot"), table("c", 10), table("d", 10)]
    plan = plan_of(tables, pipelines_min=2, pipelines_max=2)
    w = where(plan)
    assert w["a"] == w["b"] == "hot"
    assert "hot" in {p.key for p in plan.pipelines}


def test_pins_change_the_answer() -> None:
    tables = [table("a", 50), table("b", 50), table("c", 50), table("d", 50)]
    assert plan_of(tables, pipelines_min=2, pipelines_max=2).makespan_s == 100
    pinned = [
        table("a", 50, pin="p1"),
        table("b", 50, pin="p1"),
        table("c", 50, pin="p1"),
        table("d", 50),
    ]
    assert plan_of(pinned, pipelines_min=2, pipelines_max=2).makespan_s == 150


def test_infeasible_pin_across_groups_names_tables() -> None:
    tables = [
        table("a", 10, pin="p", ingestion_type="snapshot"),
        table("b", 10, pin="p", ingestion_type="cdc", schedule="0 0 * * *"),
        table("c", 10),
    ]
    with pytest.raises(
        InfeasibleError, match=r"pipeline 'p' cannot exist.*b in cdc.*a in snapshot"
    ):
        plan_of(tables, pipelines_min=2, pipelines_max=2)


def test_infeasible_more_pins_than_pipelines() -> None:
    tables = [table(f"t{i}", 10, pin=f"p{i}") for i in range(4)]
    with pytest.raises(InfeasibleError, match="too few"):
        plan_of(tables, pipelines_min=3, pipelines_max=3)


def test_infeasible_pin_contradicts_apart() -> None:
    tables = [
        table("a", 10, pin="p", apart=("x",)),
        table("b", 10, pin="p", apart=("x",)),
        table("c", 5),
    ]
    with pytest.raises(
        InfeasibleError, match=r"a and b are both pinned to 'p' but must be apart \('x'\)"
    ):
        plan_of(tables, pipelines_min=2, pipelines_max=2)
