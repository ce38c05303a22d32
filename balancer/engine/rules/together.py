"""`together`: tables sharing a label share a pipeline. Contracted into one item."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from balancer.engine.rules.base import BaseRule, PoolKey
from balancer.errors import InfeasibleError, Location
from balancer.model import Plan, Settings, Table


def components(tables: Sequence[Table]) -> list[list[str]]:
    """Groups of table names joined by shared `together` labels, in file order."""
    order = {t.source_table: k for k, t in enumerate(tables)}
    if not any(t.together for t in tables):
        return [[t.source_table] for t in tables]
    import networkx as nx  # only when labels exist: it costs 0.2 s to import

    graph: nx.Graph = nx.Graph()
    graph.add_nodes_from(t.source_table for t in tables)
    first_with: dict[str, str] = {}
    for t in tables:
        if t.together:
            for label in t.together.split(";"):
                label = label.strip()
                if not label:
                    continue
                if label in first_with:
                    graph.add_edge(first_with[label], t.source_table)
                else:
                    first_with[label] = t.source_table
    comps = [sorted(c, key=order.__getitem__) for c in nx.connected_components(graph)]
    comps.sort(key=lambda c: order[c[0]])
    return comps


class Together(BaseRule):
    name = "together"

    def check_component(
        self, members: Sequence[Table], pool_keys: Sequence[PoolKey], settings: Settings
    ) -> None:
        """Tables kept together must be allowed in one pipeline: same group, same schedule."""
        if len(pool_keys) <= 1:
            return
        label = members[0].together
        detail = ", ".join(
            f"{t.source_table} (group {t.group_value(settings.group_by)}, schedule '{t.schedule}')"
            for t in members
        )
        raise InfeasibleError(
            f"tables with together label '{label}' cannot share a pipeline: {detail}; a pipeline "
            f"holds one --group-by {settings.group_by} group"
            + ("." if settings.allow_mixed_schedules else " and one schedule."),
            fix="give them the same group, drop the together label"
            + (
                "."
                if settings.allow_mixed_schedules
                else ", give them the same schedule, or pass --allow-mixed-schedules if only "
                "the schedules differ."
            ),
            where=Location(column="together", row=members[0].row),
        )

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]:
        where: dict[str, str] = {t: p.key for p in plan.pipelines for t in p.tables}
        by_label: dict[str, set[str]] = {}
        for name, t in tables.items():
            for label in (t.together or "").split(";"):
                if label.strip() and name in where:
                    by_label.setdefault(label.strip(), set()).add(where[name])
        return [
            f"together label '{label}' spans pipelines {sorted(keys)}"
            for label, keys in sorted(by_label.items())
            if len(keys) > 1
        ]
