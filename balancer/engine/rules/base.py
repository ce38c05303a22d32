"""The one interface every rule implements, and the types it speaks in (no rule imported).

A rule is consulted at four moments, and does nothing at the moments it has no part in:

- checking the inputs while the instance is built (`check_component`, `check_items`,
  `check_pool`, `check_pools`): a contradiction raises InfeasibleError naming the tables;
- explaining how many pipelines a pool needs (`needs`), so that "K is too small" names the
  rule and the tables that bind;
- posting itself to a CP-SAT model: a pool's staged model (`post`) and the moves model of a
  rebalance (`post_moves`);
- listing a plan's violations without any solver (`violations`), for the checker;
- answering the searches (heuristics, swaps, the rebalance repair) whether a pipeline may
  take a change: `admits(after, limits)` looks at one pipeline as it would be after items
  arrive and leave, and `restricts(problem)` says whether the rule limits where items may go
  at all in a pool (when none does, the searches may use their plain, faster forms).

`BaseRule` implements every hook as "nothing to say"; a rule overrides what applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from balancer.engine.instance import Item, Pool
from balancer.model import Plan, Settings, Table

if TYPE_CHECKING:
    from balancer.engine.cpmodel import ModelContext, MovesContext
    from balancer.engine.pool import PoolProblem

PoolKey = tuple[str, str, str]  # (pool key, purity group, schedule)


@dataclass(frozen=True)
class Need:
    """The fewest pipelines a pool needs under one rule, and why, in words."""

    pipelines: int
    why: str


class BinAfter:
    """One pipeline as it would be after a change: where it is (`bin`, a pool's bin index),
    how many items, tables and p90 seconds it holds then, the apart-label counts it held
    (`labels`) and of the items leaving (`leaving`), and the apart labels and pins of the items
    arriving. A search builds one per pipeline a change touches and asks every rule."""

    __slots__ = (
        "arriving_labels",
        "arriving_pins",
        "bin",
        "count",
        "fit",
        "labels",
        "leaving",
        "size",
    )

    def __init__(
        self,
        bin: int | str,
        count: int,
        size: int,
        fit: int,
        labels: Mapping[str, int],
        leaving: Mapping[str, int] | frozenset[str],
        arriving_labels: Iterable[str],
        arriving_pins: Iterable[int | None] = (),
    ) -> None:
        self.bin, self.count, self.size, self.fit = bin, count, size, fit
        self.labels, self.leaving = labels, leaving
        self.arriving_labels, self.arriving_pins = arriving_labels, arriving_pins

    def kept(self, label: str) -> int:
        """How many items staying in the pipeline carry `label`."""
        gone = self.leaving
        left = gone.get(label, 0) if isinstance(gone, Mapping) else int(label in gone)
        return self.labels.get(label, 0) - left


@dataclass(frozen=True, slots=True)
class Limits:
    """What a pipeline may hold under the caps a search asks about (None: not asked)."""

    max_tables: int | None = None
    cap: int | None = None  # p90 seconds (schedule fit)


class Rule(Protocol):
    name: str

    def check_component(
        self, members: Sequence[Table], pool_keys: Sequence[PoolKey], settings: Settings
    ) -> None: ...

    def check_items(self, items: Sequence[Item]) -> None: ...

    def check_pool(self, pool: Pool, items: Sequence[Item], settings: Settings) -> None: ...

    def check_pools(self, pools: Sequence[Pool], settings: Settings) -> None: ...

    def needs(self, pool: Pool, items: Sequence[Item], max_tables: int | None) -> Need | None: ...

    def post(self, ctx: ModelContext) -> None: ...

    def post_moves(self, ctx: MovesContext) -> None: ...

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]: ...

    def restricts(self, problem: PoolProblem) -> bool: ...

    def admits(self, after: BinAfter, limits: Limits) -> bool: ...


class BaseRule:
    """Every hook of `Rule`, doing nothing."""

    name = "rule"

    def check_component(
        self, members: Sequence[Table], pool_keys: Sequence[PoolKey], settings: Settings
    ) -> None:
        return None

    def check_items(self, items: Sequence[Item]) -> None:
        return None

    def check_pool(self, pool: Pool, items: Sequence[Item], settings: Settings) -> None:
        return None

    def check_pools(self, pools: Sequence[Pool], settings: Settings) -> None:
        return None

    def needs(self, pool: Pool, items: Sequence[Item], max_tables: int | None) -> Need | None:
        return None

    def post(self, ctx: ModelContext) -> None:
        return None

    def post_moves(self, ctx: MovesContext) -> None:
        return None

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]:
        return []

    def restricts(self, problem: PoolProblem) -> bool:
        return False

    def admits(self, after: BinAfter, limits: Limits) -> bool:
        return True
