"""What users wait for and pay for, on the four examples: compute a day, worst data age,
batch window and schedule fit of the seed's grouping, tapworks' 250-table chunks, the
makespan-only plan the balancer made before schedule fit, and the new default.

Every plan is costed by the same model (history estimates, concurrency from history,
60 s start-up, `balancer.plan_metrics`), so the rows compare like with like.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from balancer.costs import costed
from balancer.errors import InfeasibleError
from balancer.io import read_history, read_tables
from balancer.model import Catalog, History, PipelinePlan, Plan, Settings
from balancer.plan_metrics import PlanMetrics, plan_metrics
from balancer.planning.planner import make_plan
from balancer.planning.stagger import staggered_pipelines
from balancer.units import format_duration
from benchmarks import baselines

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_NAMES = ("osipi", "github", "hubspot", "sap_successfactors")
TODAY = {"objective": "makespan", "sla_headroom": None}  # before schedule fit


def _as_plan(base: Plan, split: Sequence[Sequence[int]], label: str) -> Plan:
    """A baseline's split costed like the balancer's plans (its pipelines' schedules are their
    tables' schedule: the baselines never mix ingestion types)."""
    tables = base.tables
    pipelines = []
    for n, members in enumerate(split, start=1):
        names = tuple(sorted(tables[i].source_table for i in members))
        pipelines.append(
            PipelinePlan(
                f"{label}_{n:02d}", f"{label}_{n:02d}", "", tables[members[0]].schedule, names, 0, 0
            )
        )
    return dataclasses.replace(base, pipelines=tuple(pipelines))


def _judged(plan: Plan) -> PlanMetrics:
    """The plan's metrics, its schedule fit judged by the new default rule for every row, and
    its starts staggered under the default cap (the baselines' pipelines as well: every row
    counts its batch window as the pipelines overlap)."""
    rule = Settings()
    settings = dataclasses.replace(
        plan.settings,
        sla_headroom=rule.sla_headroom,
        batch_window_s=rule.batch_window_s,
        max_concurrent_pipelines=rule.max_concurrent_pipelines,
    )
    estimates = {e.table: e for e in plan.estimates}
    pipelines = staggered_pipelines(
        [costed(p, estimates, settings) for p in plan.pipelines], settings
    ).pipelines
    return plan_metrics(dataclasses.replace(plan, settings=settings, pipelines=pipelines))


def _row(example: str, label: str, plan: Plan | None, note: str = "") -> list[object]:
    m = _judged(plan) if plan is not None else None
    if m is None:
        return [example, label, "-", "-", "-", "-", "-", "-", note]
    longest = max((p.runtime_s for p in m.pipelines), default=0)
    return [
        example,
        label,
        len(m.pipelines),
        "yes" if not m.misfits else f"no ({len(m.misfits)} over)",
        f"{m.compute_s_per_day / 3600:.1f}",
        format_duration(m.worst_age_intraday_s),
        format_duration(m.batch_window_s) if m.batch_window_s else "-",
        format_duration(longest),
        note,
    ]


def _at_seven(name: str, catalog: Catalog, history: History) -> list[list[object]]:
    """Both balancers asked for exactly 7 pipelines (where the makespan-only plan once put
    OSIPI's 15-minute tables on one pipeline that could not keep its schedule)."""
    rows = []
    for label, knobs in (("makespan only (before), K=7", TODAY), ("new default, K=7", {})):
        settings = Settings(name=name, pipelines_min=7, pipelines_max=7, **knobs)  # type: ignore[arg-type]
        try:
            rows.append(_row(name, label, make_plan(catalog, history, settings, k_explicit=True)))
        except InfeasibleError as exc:
            rows.append(_row(name, label, None, "refused (exit 2): " + _short(exc)[:120]))
    return rows


def _short(exc: InfeasibleError) -> str:
    """The refusal's first two sentences, without the file name."""
    text = exc.message.split(": ", 1)[-1] if exc.message.startswith("/") else exc.message
    return ". ".join(text.split(". ")[:2]).replace("|", "/")


def schedules_section() -> str:
    from benchmarks.run import table

    rows: list[list[object]] = []
    for name in EXAMPLE_NAMES:
        catalog = read_tables(EXAMPLES / name / "tables.csv")
        history = read_history(EXAMPLES / name / "runs.csv")
        today = make_plan(catalog, history, Settings(name=name, **TODAY))  # type: ignore[arg-type]
        groups = [t.group_value("category_and_ingestion_type") for t in catalog.tables]
        rows.append(
            _row(
                name,
                "seed toolkit (category x type)",
                _as_plan(today, baselines.seed_toolkit(groups), "seed"),
            )
        )
        rows.append(
            _row(
                name,
                "tapworks (250-table chunks)",
                _as_plan(today, baselines.tapworks(groups), "chunk"),
            )
        )
        rows.append(_row(name, "makespan only (before)", today))
        try:
            new = make_plan(catalog, history, Settings(name=name))
            rows.append(_row(name, "new default", new))
        except InfeasibleError as exc:
            rows.append(_row(name, "new default", None, "refused (exit 2): " + _short(exc)))
            unchecked = make_plan(catalog, history, Settings(name=name, sla_headroom=None))
            rows.append(_row(name, "new default, --no-schedule-fit", unchecked))
        rows += _at_seven(name, catalog, history)
    return table(
        [
            "example",
            "plan",
            "K",
            "fits every schedule",
            "compute h/day",
            "worst data age (pipelines running more than daily)",
            "batch window",
            "longest run",
            "note",
        ],
        rows,
    )
