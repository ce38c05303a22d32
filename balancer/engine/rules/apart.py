"""`apart`: tables sharing a label never share a pipeline."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from balancer.engine.instance import Item, Pool
from balancer.engine.rules.base import BaseRule, BinAfter, Limits, Need, PoolKey
from balancer.errors import InfeasibleError, Location
from balancer.model import Plan, Settings, Table

if TYPE_CHECKING:
    from balancer.engine.cpmodel import ModelContext, MovesContext
    from balancer.engine.pool import PoolProblem


def labels_of(table: Table) -> frozenset[str]:
    return frozenset(label for label in table.apart if label)


def labels_of_members(members: Sequence[Table]) -> frozenset[str]:
    """The apart labels of tables kept together (one item)."""
    return frozenset(label for t in members for label in labels_of(t))


class Apart(BaseRule):
    name = "apart"

    def check_component(
        self, members: Sequence[Table], pool_keys: Sequence[PoolKey], settings: Settings
    ) -> None:
        """Two tables kept together may not share an apart label."""
        seen: dict[str, str] = {}
        for t in members:
            for label in sorted(labels_of(t)):
                if label in seen:
                    raise InfeasibleError(
                        f"tables {seen[label]} and {t.source_table} must be together (label "
                        f"'{t.together}') and apart (label '{label}') at once.",
                        fix="drop one of the two labels.",
                        where=Location(row=t.row, column="apart"),
                    )
                seen[label] = t.source_table

    def check_items(self, items: Sequence[Item]) -> None:
        """Items pinned to one pipeline may not share an apart label."""
        seen: dict[tuple[str, str], str] = {}
        for it in items:
            if not it.pin:
                continue
            for label in sorted(it.apart):
                other = seen.setdefault((it.pin, label), it.key)
                if other != it.key:
                    raise InfeasibleError(
                        f"{other} and {it.key} are both pinned to '{it.pin}' but must be apart ('{label}').",
                        fix="pin one of them elsewhere or drop the apart label.",
                        where=Location(column="pin"),
                    )

    def needs(self, pool: Pool, items: Sequence[Item], max_tables: int | None) -> Need | None:
        labels = Counter(label for it in items for label in it.apart)
        if not labels:
            return None
        label, n = max(sorted(labels.items()), key=lambda kv: kv[1])
        names = [it.key for it in items if label in it.apart]
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        return Need(n, f"apart label '{label}' is on {n} tables ({shown})")

    def post(self, ctx: ModelContext) -> None:
        by_label: dict[str, list[int]] = defaultdict(list)
        for t, typ in enumerate(ctx.types):
            for label in typ.apart:
                by_label[label].append(t)
        for label, types in sorted(by_label.items()):
            for b in range(ctx.problem.n_bins):
                room = 0 if label in ctx.pre_labels[b] else 1
                ctx.model.add(sum(ctx.y[t][b] for t in types) <= room)

    def post_moves(self, ctx: MovesContext) -> None:
        for key in ctx.keys:
            labels: dict[str, list[Any]] = defaultdict(list)
            for i, var in ctx.on(key):
                for label in ctx.items[i].apart:
                    labels[label].append(var)
            for vars_ in labels.values():
                ctx.model.add(sum(vars_) <= 1)

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]:
        out = []
        for p in plan.pipelines:
            seen: dict[str, str] = {}
            for name in p.tables:
                for label in sorted(labels_of(tables[name])):
                    if label in seen:
                        out.append(
                            f"pipeline '{p.key}' holds {seen[label]} and {name}, both apart '{label}'"
                        )
                    seen.setdefault(label, name)
        return out

    def restricts(self, problem: PoolProblem) -> bool:
        return any(problem.apart)

    def admits(self, after: BinAfter, limits: Limits) -> bool:
        """No item arrives with a label an item staying there carries."""
        return not any(after.kept(label) > 0 for label in after.arriving_labels)
