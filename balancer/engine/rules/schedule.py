"""One schedule per pipeline, unless the user allows mixing (then the pipeline's wins)."""

from __future__ import annotations

from collections.abc import Sequence

from balancer.model import PipelinePlan, Table


def violations(
    pipelines: Sequence[PipelinePlan], tables: dict[str, Table], allow_mixed: bool
) -> list[str]:
    if allow_mixed:
        return []
    out = []
    for p in pipelines:
        schedules = sorted({tables[t].schedule for t in p.tables})
        if schedules != [p.schedule]:
            out.append(f"pipeline '{p.key}' runs on '{p.schedule}' but holds schedules {schedules}")
    return out
