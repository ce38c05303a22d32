"""apart: tables sharing a label never share a pipeline."""

import pytest

from balancer.errors import InfeasibleError
from tests.helpers import plan_of, table, where


def test_feasible_apart_tables_are_split() -> None:
    tables = [
        table("a", 10, apart=("x",)),
        table("b", 10, apart=("x",)),
        table("c", 100),
        table("d", 5),
    ]
    plan = plan_of(tables, pipelines_min=2, pipelines_max=2)
    w = where(plan)
    assert w["a"] != w["b"]


def test_apart_changes_the_answer() -> None:
    free = [table("a", 50), table("b", 50), table("c", 100)]
    assert plan_of(free, pipelines_min=2, pipelines_max=2).makespan_s == 100
    split = [table("a", 50, apart=("x",)), table("b", 50, apart=("x",)), table("c", 100)]
    assert plan_of(split, pipelines_min=2, pipelines_max=2).makespan_s == 150


def test_infeasible_more_apart_tables_than_pipelines() -> None:
    tables = [table(f"t{i}", 10, apart=("x",)) for i in range(3)]
    with pytest.raises(InfeasibleError, match="too few"):
        plan_of(tables, pipelines_min=2, pipelines_max=2)
