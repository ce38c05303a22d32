"""The greedy repair and the shed bound behind the moves model."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.engine.instance import Item
from balancer.engine.repair import Caps, Shedding, repair, shed_bound

KEYS = ("a", "b", "c")


def items_of(costs: list[int]) -> list[Item]:
    return [Item(f"t{i}", c, (f"t{i}",), (), "p") for i, c in enumerate(costs)]


def test_repair_sheds_the_excess_with_the_cheapest_covering_item() -> None:
    items = items_of([50, 30, 25, 10, 10])
    home = {0: "a", 1: "a", 2: "a", 3: "b", 4: "c"}
    allowed = {i: list(KEYS) for i in range(5)}
    caps = Caps(load=80, fit={}, tables=None)
    weight = {i: it.cost for i, it in enumerate(items)}
    moved = repair(Shedding(items, home, allowed, KEYS, caps, weight))
    assert moved is not None
    # 105 s in a, 25 over: the 25 s table is the cheapest that covers it
    assert {i for i in moved if moved[i] != home[i]} == {2}
    assert shed_bound(Shedding(items, home, allowed, KEYS, caps, weight)) == 25


def test_repair_keeps_pins_the_table_cap_apart_labels_and_never_empties_a_pipeline() -> None:
    items = [
        Item("big", 100, ("big",), (), "p"),
        Item("x1", 30, ("x1",), (), "p", apart=frozenset({"x"})),
        Item("x2", 30, ("x2",), (), "p", apart=frozenset({"x"})),
        Item("pinned", 40, ("pinned",), (), "p", pin="a"),
    ]
    home = {0: "a", 1: "a", 2: "b", 3: "a"}
    allowed = {0: list(KEYS), 1: list(KEYS), 2: list(KEYS), 3: ["a"]}
    weight = {0: 100, 1: 30, 2: 30, 3: 40}
    moved = repair(Shedding(items, home, allowed, KEYS, Caps(140, {}, 2), weight))
    assert moved is not None and moved[3] == "a"
    assert moved[1] == "c"  # b holds x2 (apart label x): x1 goes to c
    assert all(sum(1 for k in moved.values() if k == key) <= 2 for key in KEYS)


def brute(items: list[Item], home: dict[int, str], cap: int) -> int | None:
    best = None
    for assign in itertools.product(KEYS, repeat=len(items)):
        loads = {k: 0 for k in KEYS}
        for it, k in zip(items, assign, strict=True):
            loads[k] += it.cost
        if max(loads.values()) <= cap:
            moved = sum(
                it.cost for i, (it, k) in enumerate(zip(items, assign, strict=True)) if k != home[i]
            )
            best = moved if best is None else min(best, moved)
    return best


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=3, max_size=7), st.data())
def test_the_bound_never_exceeds_the_least_moved_weight(
    costs: list[int], data: st.DataObject
) -> None:
    items = items_of(costs)
    home = {i: data.draw(st.sampled_from(KEYS)) for i in range(len(items))}
    cap = data.draw(st.integers(max(max(costs), -(-sum(costs) // 3)), sum(costs)))
    allowed = {i: list(KEYS) for i in range(len(items))}
    weight = {i: c for i, c in enumerate(costs)}
    best = brute(items, home, cap)
    problem = Shedding(items, home, allowed, KEYS, Caps(cap, {}, None), weight)
    if best is not None:
        assert shed_bound(problem) <= best
    found = repair(problem)
    if found is not None:
        loads = {k: sum(items[i].cost for i, q in found.items() if q == k) for k in KEYS}
        assert max(loads.values()) <= cap
