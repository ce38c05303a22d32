"""--group-by: a pipeline never mixes groups; a big group may span several pipelines."""

import pytest

from balancer.errors import InfeasibleError
from tests.helpers import plan_of, table


def mixed() -> list:
    return [
        table("s1", 100, ingestion_type="snapshot"),
        table("s2", 100, ingestion_type="snapshot"),
        table("s3", 100, ingestion_type="snapshot"),
        table("a1", 10, ingestion_type="append", schedule="0 0 * * *"),
    ]


def test_feasible_groups_never_mix() -> None:
    plan = plan_of(mixed(), pipelines_min=3, pipelines_max=3, group_by="ingestion_type")
    for p in plan.pipelines:
        assert len({t[0] for t in p.tables}) == 1


def test_big_group_splits_over_several_pipelines() -> None:
    plan = plan_of(mixed(), pipelines_min=4, pipelines_max=4, group_by="ingestion_type")
    assert sum(1 for p in plan.pipelines if p.group == "snapshot") == 3
    assert plan.makespan_s == 100


def test_more_groups_than_k_is_an_error_that_says_so() -> None:
    tables = [table(f"t{i}", 10, category=f"c{i}") for i in range(4)]
    with pytest.raises(InfeasibleError, match=r"4 groups .* at most 3 pipelines"):
        plan_of(tables, pipelines_min=3, pipelines_max=3, group_by="category")


def test_purity_changes_the_answer() -> None:
    skew = [
        table("x1", 10, category="x"),
        table("y1", 100, category="y"),
        table("y2", 100, category="y"),
    ]
    assert plan_of(skew, pipelines_min=2, pipelines_max=2, group_by="none").makespan_s == 110
    assert plan_of(skew, pipelines_min=2, pipelines_max=2, group_by="category").makespan_s == 200


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("none", 1), ("ingestion_type", 2), ("category", 2), ("category_and_ingestion_type", 3)],
)
def test_each_mode_defines_its_groups(mode: str, expected: int) -> None:
    tables = [
        table("a", 10, category="x", ingestion_type="snapshot"),
        table("b", 10, category="x", ingestion_type="cdc", schedule="0 0 * * *"),
        table("c", 10, category="y", ingestion_type="cdc", schedule="0 0 * * *"),
    ]
    plan = plan_of(tables, pipelines_min=3, pipelines_max=3, group_by=mode)
    assert len({p.group for p in plan.pipelines}) == expected
