"""The one interface every rule implements, and the types it speaks in (no rule imported).

A rule is consulted at four moments, and does nothing at the moments it has no part in:

- checking the inputs while the instance is built (`check_component`, `check_items`,
  `check_pool`, `check_pools`): a contradiction raises InfeasibleError naming the tables;
- explaining how many pipelines a pool needs (`needs`), so that "K is too small" names the
  rule and the tables that bind;
- posting itself to a CP-SAT model: a pool's staged model (`post`) and the moves model of a
  rebalance (`post_moves`);
- listing a plan's violations without any solver (`violations`), for the checker.

`BaseRule` implements every hook as "nothing to say"; a rule overrides what applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from balancer.engine.instance import Item, Pool
from balancer.model import Plan, Settings, Table

if TYPE_CHECKING:
    from balancer.engine.cpmodel import ModelContext, MovesContext

PoolKey = tuple[str, str, str]  # (pool key, purity group, schedule)


@dataclass(frozen=True)
class Need:
    """The fewest pipelines a pool needs under one rule, and why, in words."""

    pipelines: int
    why: str


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
