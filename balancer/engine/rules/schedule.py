"""One schedule per pipeline, unless the user allows mixing (then the pipeline's wins)."""

from __future__ import annotations

from collections.abc import Mapping

from balancer.engine.rules.base import BaseRule
from balancer.model import Plan, Table


class Schedule(BaseRule):
    name = "schedule"

    def violations(self, plan: Plan, tables: Mapping[str, Table]) -> list[str]:
        if plan.settings.allow_mixed_schedules:
            return []
        out = []
        for p in plan.pipelines:
            schedules = sorted({tables[t].schedule for t in p.tables})
            if schedules != [p.schedule]:
                out.append(
                    f"pipeline '{p.key}' runs on '{p.schedule}' but holds schedules {schedules}"
                )
        return out
