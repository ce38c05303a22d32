"""What-if analysis: scenarios over a base, each solved into a plan.

    base = WhatIf.load("tables.csv", "runs.csv")
    plans = base.sweep_pipelines(range(3, 9))
    plans["growth x1.5"] = base.run(Scenario("growth x1.5", growth=1.5))
    table = compare(plans, base_plan=plans["K=8"])     # a pandas DataFrame

A scenario changes costs or rules, never files: growth (all tables or one category),
schedules (incremental tables scale with the run interval, snapshots do not), hypothetical
tables (a weight, or rows times the seconds per row of similar tables), removed tables,
pins, the pipeline count and the table cap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from balancer.errors import InfeasibleError, InputError, Location
from balancer.history.estimator import estimate_costs, for_schedule, scaled
from balancer.model import (
    INGESTION_TYPES,
    Catalog,
    CostEstimate,
    GroupBy,
    History,
    Plan,
    Settings,
    Table,
)
from balancer.names import collision_text, folder_key, table_collision, table_name_problem
from balancer.planning.planner import make_plan
from balancer.schedules import cron_problem, normalize

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class NewTable:
    """A hypothetical table: a cost in seconds (`weight`) or expected rows per run."""

    name: str
    ingestion_type: str = "snapshot"
    category: str = ""
    weight: float | None = None
    rows: float | None = None
    schedule: str = ""


@dataclass(frozen=True)
class Scenario:
    """One what-if. Every field left at its default changes nothing."""

    name: str
    pipelines: int | tuple[int, int] | None = None
    growth: float = 1.0
    category_growth: Mapping[str, float] = field(default_factory=dict)
    # table, category or ingestion type (tables without their own schedule) -> cron
    schedules: Mapping[str, str] = field(default_factory=dict)
    add_tables: tuple[NewTable, ...] = ()
    remove_tables: tuple[str, ...] = ()
    pins: Mapping[str, str] = field(default_factory=dict)  # table -> pipeline key
    max_tables_per_pipeline: int | None = None
    group_by: GroupBy | None = None


@dataclass(frozen=True)
class WhatIf:
    """The base every scenario starts from: tables, history and settings; `clock` (from the
    edge) gives each scenario's solve a wall deadline of the time limit."""

    catalog: Catalog
    history: History | None
    settings: Settings
    clock: Callable[[], float] | None = None

    @staticmethod
    def load(tables: str | Path, history: str | Path | None = None, **settings: object) -> WhatIf:
        from balancer.io import read_history, read_tables

        catalog = read_tables(tables)
        hist = read_history(history) if history else None
        name = str(settings.pop("name", folder_key(str(tables))))
        return WhatIf(catalog, hist, Settings(name=name, **settings))  # type: ignore[arg-type]

    def base_estimates(self) -> dict[str, CostEstimate]:
        return estimate_costs(self.catalog.tables, self.history, self.settings)

    def run(self, scenario: Scenario, current: Plan | None = None) -> Plan:
        tables, estimates = apply(scenario, self.catalog.tables, self.history, self.settings)
        settings = self.settings
        explicit = False
        if scenario.pipelines is not None:
            lo, hi = (
                (scenario.pipelines, scenario.pipelines)
                if isinstance(scenario.pipelines, int)
                else scenario.pipelines
            )
            settings = dataclasses.replace(settings, pipelines_min=lo, pipelines_max=hi)
            explicit = lo == hi
        if scenario.max_tables_per_pipeline is not None:
            settings = dataclasses.replace(
                settings, max_tables_per_pipeline=scenario.max_tables_per_pipeline
            )
        if scenario.group_by is not None:
            settings = dataclasses.replace(settings, group_by=scenario.group_by)
        catalog = dataclasses.replace(self.catalog, tables=tuple(tables))
        return make_plan(
            catalog,
            self.history,
            settings,
            k_explicit=explicit,
            current=current,
            estimates=estimates,
            clock=self.clock,
        )

    def try_run(self, scenario: Scenario, current: Plan | None = None) -> Plan | InputError:
        """`run`, with a scenario that no split fits (rules no split keeps, a schedule its
        tables cannot keep) returned as its error: "does not fit, because ..." is an answer to
        a what-if. Other bad input (a misspelt table) still raises."""
        try:
            return self.run(scenario, current)
        except InputError as exc:
            if isinstance(exc, InfeasibleError) or exc.problem.startswith("schedule fit"):
                return exc
            raise

    def sweep(self, ks: Iterable[int] = range(3, 9)) -> tuple[dict[str, Plan], dict[str, str]]:
        """One plan per pipeline count that fits, each solved for exactly that K, and why each
        other count does not fit."""
        plans: dict[str, Plan] = {}
        refused: dict[str, str] = {}
        for k in ks:
            outcome = self.try_run(Scenario(f"K={k}", pipelines=k))
            if isinstance(outcome, Plan):
                plans[f"K={k}"] = outcome
            else:
                refused[f"K={k}"] = refusal(outcome, k, len(self.catalog.tables))
        return plans, refused

    def sweep_pipelines(self, ks: Iterable[int] = range(3, 9)) -> dict[str, Plan]:
        """One plan per pipeline count that fits (see `sweep` for the reasons of the others)."""
        return self.sweep(ks)[0]


def _check_added_names(scenario: Scenario, tables: list[Table]) -> None:
    """A hypothetical table's name is a destination in Unity Catalog like any other: one
    Unity Catalog takes, and not one table to it with another (`balancer.names`)."""
    added = {new.name for new in scenario.add_tables}
    for t in tables:
        named = table_name_problem(t) if t.source_table in added else None
        if named:
            raise InputError(
                f"scenario '{scenario.name}' adds a table whose {named.problem}",
                fix=named.fix,
                where=Location(column="--add-table"),
            )

    def where(t: Table, column: str) -> Location:
        if t.source_table in added:
            return Location(column="--add-table")
        return Location(row=t.row or None, column=column)

    pair = table_collision(tables, where)
    if pair:
        raise InputError(
            f"scenario '{scenario.name}' adds a table Unity Catalog cannot tell from another: "
            + collision_text(pair),
            fix="name the hypothetical table so it differs from every table by more than case.",
            where=pair[1].where,
        )


def apply(
    scenario: Scenario, tables: Iterable[Table], history: History | None, settings: Settings
) -> tuple[list[Table], dict[str, CostEstimate]]:
    """The scenario's tables and cost estimates (pure)."""
    base = list(tables)
    names = {t.source_table for t in base}
    missing = sorted(set(scenario.remove_tables) - names)
    if missing:
        raise InputError(
            f"scenario '{scenario.name}' removes unknown tables: {', '.join(missing)}."
        )
    out = [t for t in base if t.source_table not in set(scenario.remove_tables)]
    for new in scenario.add_tables:
        if new.name in names:
            raise InputError(
                f"scenario '{scenario.name}' adds table '{new.name}', which exists already."
            )
        if new.weight is None and new.rows is None:
            raise InputError(f"hypothetical table '{new.name}' needs a weight (seconds) or rows.")
        out.append(
            Table(
                new.name,
                new.name,
                new.category,
                new.ingestion_type,
                new.schedule or _default(new.ingestion_type),
                True,
                new.weight,
            )
        )
    _check_added_names(scenario, out)
    categories = {t.category for t in out}
    for target, cron in scenario.schedules.items():
        known = names | categories | set(INGESTION_TYPES) | {n.name for n in scenario.add_tables}
        if target not in known:
            raise InputError(
                f"scenario '{scenario.name}' changes the schedule of '{target}', "
                "which is neither a table, a category nor an ingestion type."
            )
        problem = cron_problem(cron)
        if problem:
            raise InputError(problem)
    rows = {n.name: n.rows for n in scenario.add_tables if n.rows is not None and n.weight is None}
    estimates = estimate_costs(out, history, settings, expected_rows=rows)
    final: list[Table] = []
    for t in out:
        e = estimates[t.source_table]
        factor = scenario.growth * scenario.category_growth.get(t.category, 1.0)
        e = scaled(e, factor, f"growth x{factor:g}")
        wanted = (
            scenario.schedules.get(t.source_table)
            or scenario.schedules.get(t.category)
            or (scenario.schedules.get(t.ingestion_type) if t.schedule_is_default else None)
        )
        if wanted:
            moved = dataclasses.replace(t, schedule=normalize(wanted), schedule_is_default=False)
            e = for_schedule(e, moved)
            t = moved
        if t.source_table in scenario.pins:
            t = dataclasses.replace(t, pin=scenario.pins[t.source_table])
        estimates[t.source_table] = e
        final.append(t)
    return final, estimates


def _default(ingestion_type: str) -> str:
    from balancer.schedules import default_schedule

    return default_schedule(ingestion_type)


def refusal(exc: InputError, k: int | None = None, tables: int = 0) -> str:
    """Why a scenario does not fit, never empty."""
    why = exc.message.strip()
    if k is not None and tables < k:
        lead = f"{k} pipelines need at least {k} tables, there are {tables}"
        return f"{lead}: {why}" if why else lead + " (a pipeline may not be empty)."
    return why or "no split into pipelines keeps every rule."


def moves_between(base: Plan, other: Plan) -> int:
    """Tables whose pipeline-mates changed between `base` and `other`: pipelines are matched
    by the tables they hold, not by key, so renaming a pipeline (cdc_01 -> cdc_02) moves
    nothing. Each pipeline of `other` is matched to the `base` pipeline it shares most tables
    with (each base pipeline once, largest overlaps first); a table not in its pipeline's
    match moved."""
    old = [set(p.tables) for p in base.pipelines]
    new = [set(p.tables) for p in other.pipelines]
    pairs = sorted(
        ((len(n & o), -i, -j) for i, n in enumerate(new) for j, o in enumerate(old) if n & o),
        reverse=True,
    )
    match: dict[int, int] = {}
    for _, i, j in pairs:
        if -i not in match and -j not in match.values():
            match[-i] = -j
    known = set().union(*old) if old else set()
    kept = sum(len(new[i] & old[j]) for i, j in match.items())
    return sum(len(n & known) for n in new) - kept


def _pareto(table: pd.DataFrame) -> list[str]:
    """'yes' for a solved plan that no other beats on compute a day, worst data age and
    batch window at once."""
    keys = ["compute_s_per_day", "worst_age_s", "batch_window_s"]
    solved = table[table["status"] != "DOES NOT FIT"]
    best = pareto_best(
        {str(name): tuple(float(v) for v in row) for name, row in solved[keys].iterrows()}
    )
    return ["yes" if name in best else "" for name in table.index]


def pareto_best(points: Mapping[str, tuple[float, ...]]) -> set[str]:
    """The names whose point no other point beats: as small or smaller in every coordinate
    and different."""

    def beats(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return all(x <= y for x, y in zip(a, b, strict=True)) and a != b

    return {name for name, p in points.items() if not any(beats(o, p) for o in points.values())}


COLUMNS = [
    "scenario",
    "pipelines",
    "makespan_s",
    "lower_bound_s",
    "gap",
    "spread_s",
    "batch_window_s",
    "compute_s_per_day",
    "cost_per_day",
    "worst_age_s",
    "fits_schedules",
    "category_splits",
    "status",
    "moves_vs_base",
    "runtimes_s",
]


def compare(
    plans: Mapping[str, Plan],
    base_plan: Plan | None = None,
    refused: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per plan (durations in seconds): pipelines, the longest runtime and its bound,
    the batch window, compute a day, worst data age of pipelines running more than daily, whether
    every pipeline fits its schedule, moves against the base, and each pipeline's runtime.
    A `refused` scenario gets a row that says why it does not fit."""
    import pandas as pd

    from balancer.plan_metrics import plan_metrics

    rows = []
    for name, plan in plans.items():
        m = plan_metrics(plan)
        rows.append(
            {
                "scenario": name,
                "pipelines": len(plan.pipelines),
                "makespan_s": plan.makespan_s,
                "lower_bound_s": plan.lower_bound_s,
                "gap": round(plan.gap, 4),
                "spread_s": plan.spread_s,
                "batch_window_s": m.batch_window_s,
                "compute_s_per_day": round(m.compute_s_per_day),
                "cost_per_day": m.cost_per_day,
                "worst_age_s": m.worst_age_intraday_s,
                "fits_schedules": "yes" if not m.misfits else "no: " + " ".join(m.misfits),
                "category_splits": plan.category_splits,
                "status": plan.status,
                "moves_vs_base": moves_between(base_plan, plan) if base_plan is not None else None,
                "runtimes_s": " ".join(f"{p.key}={p.runtime_s}" for p in plan.pipelines),
            }
        )
    for name, why in (refused or {}).items():
        rows.append({"scenario": name, "status": "DOES NOT FIT", "fits_schedules": why})
    table = pd.DataFrame(rows, columns=COLUMNS).set_index("scenario")
    table["pareto"] = _pareto(table)
    for column in ("pipelines", "category_splits", "moves_vs_base"):
        table[column] = table[column].astype("Int64")
    return table


def readable(table: pd.DataFrame, reasons: bool = True) -> pd.DataFrame:
    """`compare`'s table for people: every duration in the one format (`balancer.units`; the
    CSV keeps seconds), plain column names; without `reasons`, a scenario that does not fit says so in short."""
    from balancer.units import format_duration

    shown = table.drop(columns=["runtimes_s", "lower_bound_s", "cost_per_day"], errors="ignore")
    if not reasons:
        shown.loc[shown["status"] == "DOES NOT FIT", "fits_schedules"] = "no (why: below)"
    if table["cost_per_day"].notna().any():
        shown["cost_per_day"] = table["cost_per_day"]
    for column in [c for c in shown.columns if c.endswith("_s") or c == "compute_s_per_day"]:
        shown[column] = shown[column].map(
            lambda v: "" if v != v or v is None else format_duration(float(v)) if v else "-"
        )
    names = {
        "makespan_s": "longest run",
        "spread_s": "spread",
        "batch_window_s": "batch window",
        "compute_s_per_day": "compute/day",
        "worst_age_s": "worst age",
        "fits_schedules": "fits schedules",
        "category_splits": "category splits",
        "moves_vs_base": "moves",
        "cost_per_day": "cost/day",
    }
    return shown.rename(columns=names).astype(object).where(lambda t: t.notna(), "")
