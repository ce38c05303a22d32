"""`--group-by`: a pipeline never mixes two groups (a big group may span several pipelines)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from balancer.engine.instance import Pool
from balancer.engine.rules.base import BaseRule
from balancer.errors import InfeasibleError
from balancer.model import Plan, Settings, Table


class Purity(BaseRule):
    name = "group-by"

    def check_pools(self, pools: Sequence[Pool], settings: Settings) -> None:
        """Each group (and schedule) needs its own pipeline: more of them than K cannot work."""
        n_pools, k_max = len(pools), settings.pipelines_max
        if n_pools <= k_max:
            return
        shown = [p.key.replace("@", " @ ") for p in pools[:12]]
        listing = ", ".join(shown) + (f", ... ({n_pools - 12} more)" if n_pools > 12 else "")
        mixed = settings.allow_mixed_schedules  # then only the groups split the tables
        raise InfeasibleError(
            f"the tables form {n_pools} groups that cannot share a pipeline (--group-by "
            f"{settings.group_by}{'' if mixed else ', one schedule per pipeline'}): {listing}; "
            f"at most {k_max} pipelines are allowed.",
            fix=f"allow at least {n_pools} pipelines (--pipelines {n_pools})"
            + (
                " or choose a coarser --group-by."
                if mixed
                else ", choose a coarser --group-by, or pass --allow-mixed-schedules."
            ),
        )

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]:
        group_by = plan.settings.group_by
        out = []
        for p in plan.pipelines:
            groups = sorted({tables[t].group_value(group_by) for t in p.tables})
            if len(groups) > 1:
                out.append(f"pipeline '{p.key}' mixes groups {groups} under --group-by {group_by}")
        return out
