"""`apart`: tables sharing a label never share a pipeline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from balancer.errors import InfeasibleError, Location
from balancer.model import PipelinePlan, Table

if TYPE_CHECKING:
    from balancer.engine.cpsat import ModelContext
    from balancer.engine.instance import Item


def labels_of(table: Table) -> frozenset[str]:
    return frozenset(label for label in table.apart if label)


def precheck_component(members: Sequence[Table]) -> frozenset[str]:
    """Apart labels of tables kept together; two of them sharing a label contradict."""
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
    return frozenset(seen)


def precheck_pins(items: Sequence[Item]) -> None:
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


def post(ctx: ModelContext) -> None:
    by_label: dict[str, list[int]] = defaultdict(list)
    for t, typ in enumerate(ctx.types):
        for label in typ.apart:
            by_label[label].append(t)
    for label, types in sorted(by_label.items()):
        for b in range(ctx.problem.n_bins):
            room = 0 if label in ctx.pre_labels[b] else 1
            ctx.model.add(sum(ctx.y[t][b] for t in types) <= room)


def violations(pipelines: Sequence[PipelinePlan], tables: dict[str, Table]) -> list[str]:
    out = []
    for p in pipelines:
        seen: dict[str, str] = {}
        for name in p.tables:
            for label in sorted(labels_of(tables[name])):
                if label in seen:
                    out.append(
                        f"pipeline '{p.key}' holds {seen[label]} and {name}, both apart '{label}'"
                    )
                seen.setdefault(label, name)
    return out
