"""`--group-by`: a pipeline never mixes two groups (a big group may span several pipelines)."""

from __future__ import annotations

from collections.abc import Sequence

from balancer.errors import InfeasibleError
from balancer.model import PipelinePlan, Table


def precheck_pool_count(n_pools: int, k_max: int, pools: Sequence[str], group_by: str) -> None:
    """Each group (and schedule) needs its own pipeline: more of them than K cannot work."""
    if n_pools <= k_max:
        return
    shown = [p.replace("@", " @ ") for p in pools[:12]]
    listing = ", ".join(shown) + (f", ... ({n_pools - 12} more)" if n_pools > 12 else "")
    raise InfeasibleError(
        f"the tables form {n_pools} groups that cannot share a pipeline (--group-by {group_by}, "
        f"one schedule per pipeline): {listing}; at most {k_max} pipelines are allowed.",
        fix=f"allow at least {n_pools} pipelines (--pipelines {n_pools}), choose a coarser "
        "--group-by, or pass --allow-mixed-schedules.",
    )


def violations(
    pipelines: Sequence[PipelinePlan], tables: dict[str, Table], group_by: str
) -> list[str]:
    out = []
    for p in pipelines:
        groups = sorted({tables[t].group_value(group_by) for t in p.tables})
        if len(groups) > 1:
            out.append(f"pipeline '{p.key}' mixes groups {groups} under --group-by {group_by}")
    return out
