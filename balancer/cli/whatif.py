"""`balancer whatif`: pipeline counts and scenarios side by side."""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from balancer.cli.common import (
    TABLE_CAP,
    Finite,
    console,
    emit_json,
    handle_errors,
    json_option,
    pairs,
    parse_pipelines,
    tables_beside_history,
    time_limit_option,
)
from balancer.cli.jsonout import whatif_document
from balancer.cli.planning_options import planning_options, settings_from
from balancer.errors import InputError, Location
from balancer.model import MAX_RUN_S, Plan, Settings
from balancer.schedules import cron_problem
from balancer.units import format_duration

if TYPE_CHECKING:
    from balancer.analysis.whatif import NewTable, Scenario


GROWTH = Finite(0, 1000, open_low=True)  # a factor on costs: finite, above 0, at most 1000


def _category_growth(items: tuple[str, ...]) -> dict[str, float]:
    """--category-growth CATEGORY=FACTOR, each factor checked as --growth is."""
    out: dict[str, float] = {}
    for category, text in pairs(items, "--category-growth").items():
        try:
            out[category] = GROWTH.convert(text, None, None)
        except click.BadParameter as exc:
            raise InputError(
                f"--category-growth {category}={text[:40]}: {exc.message}",
                fix="give a factor above 0 and at most 1000, e.g. --category-growth sales=1.5.",
                where=Location(column="--category-growth"),
            ) from None
    return out


@click.command()
@click.option(
    "--tables",
    "tables_path",
    type=click.Path(dir_okay=False),
    help="tables.csv (default: beside --history).",
)
@click.option(
    "--history", "history_path", type=click.Path(dir_okay=False), help="runs.csv or Parquet."
)
@click.option(
    "--sweep-pipelines",
    default="3..8",
    show_default=True,
    help="Pipeline counts to compare, MIN..MAX.",
)
@click.option(
    "--sweep-schedule",
    "sweep_schedules",
    multiple=True,
    help="Also compare schedules: TARGET=CRON;CRON;... (TARGET a table, category or "
    "ingestion type; repeatable), each solved over the swept range like `solve`.",
)
@click.option(
    "--pipelines",
    default=None,
    help="K or MIN..MAX for the scenario (default: the swept range, K picked as `solve` does).",
)
@planning_options
@click.option(
    "--growth",
    type=GROWTH,
    default=None,
    help="Scenario: every table's cost times this.",
)
@click.option("--category-growth", multiple=True, help="Scenario: CATEGORY=FACTOR (repeatable).")
@click.option(
    "--schedule", "schedules", multiple=True, help="Scenario: TABLE_OR_CATEGORY=CRON (repeatable)."
)
@click.option(
    "--add-table",
    "added",
    multiple=True,
    help="Scenario: NAME:INGESTION_TYPE:SECONDS or NAME:INGESTION_TYPE:rows=N (repeatable).",
)
@click.option(
    "--remove-table", "removed", multiple=True, help="Scenario: drop a table (repeatable)."
)
@click.option("--pin", "pins", multiple=True, help="Scenario: TABLE=PIPELINE (repeatable).")
@click.option(
    "--max-tables-per-pipeline", type=TABLE_CAP, default=None, help="Scenario: another table cap."
)
@time_limit_option(
    Settings.time_limit_s,
    "Solver budget per plan: each scenario's solve gets the whole limit (as `solve`: the "
    "same budget gives the same plan)",
)
@click.option(
    "--csv",
    "csv_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write the comparison as CSV.",
)
@click.option(
    "--html",
    "html_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write an HTML report with charts.",
)
@click.option(
    "--charts-dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Write the charts as PNG here.",
)
@json_option("every plan's figures and the refusals")
@handle_errors
def whatif(
    tables_path: str | None,
    history_path: str | None,
    sweep_pipelines: str,
    sweep_schedules: tuple[str, ...],
    pipelines: str | None,
    growth: float | None,
    category_growth: tuple[str, ...],
    schedules: tuple[str, ...],
    added: tuple[str, ...],
    removed: tuple[str, ...],
    pins: tuple[str, ...],
    max_tables_per_pipeline: int | None,
    time_limit_s: float,
    csv_path: str | None,
    html_path: str | None,
    charts_dir: str | None,
    as_json: bool,
    **planning: Any,
) -> None:
    """Compare pipeline counts and a scenario side by side: schedule fit, compute a day, worst
    data age, batch window, longest run, moves."""
    from balancer.analysis.whatif import Scenario, WhatIf, compare
    from balancer.analysis.whatif_sweep import add_outcome, sweeps

    factors = _category_growth(category_growth)
    tables_path = tables_path or tables_beside_history(history_path)
    lo, hi, _ = parse_pipelines(sweep_pipelines)
    settings = settings_from(planning, history_path, time_limit_s=time_limit_s)
    base = WhatIf.load(tables_path, history_path, **_fields(settings))
    base = dataclasses.replace(base, clock=time.monotonic)
    _check_outputs(csv_path, html_path, charts_dir)  # before any is written: all or none
    plans, refused, reference_key = sweeps(base, lo, hi, _schedule_sweep(sweep_schedules))
    scenario = Scenario(
        name="scenario",
        pipelines=None if pipelines is None else parse_pipelines(pipelines)[:2],
        growth=growth or 1.0,
        category_growth=factors,
        schedules=pairs(schedules, "--schedule"),
        add_tables=tuple(_new_table(item) for item in added),
        remove_tables=tuple(removed),
        pins=pairs(pins, "--pin"),
        max_tables_per_pipeline=max_tables_per_pipeline,
    )
    has_scenario = scenario != Scenario(name="scenario")
    if has_scenario:
        scenario = dataclasses.replace(
            scenario,
            name=scenario_name(scenario),
            pipelines=(lo, hi) if scenario.pipelines is None else scenario.pipelines,
        )
        outcome = base.try_run(scenario, current=plans.get(reference_key))
        add_outcome(outcome, scenario.name, plans, refused)
    table = compare(plans, base_plan=plans.get(reference_key), refused=refused)
    out = console(160, stderr=as_json)
    _print(table, plans, refused, out)
    if as_json:
        emit_json(whatif_document(plans, refused, reference_key))
    if csv_path:
        from balancer.io.atomic import write_file

        write_file(csv_path, table.to_csv())
    if (html_path or charts_dir) and reference_key not in plans:
        out.print("no charts: what solve would answer does not fit (see its row).")
    elif html_path or charts_dir:
        solved = has_scenario and scenario.name in plans
        name = scenario.name if solved else ""
        _charts(plans, reference_key, name, table, html_path, charts_dir, out)


def _check_outputs(csv_path: str | None, html_path: str | None, charts_dir: str | None) -> None:
    """Each output path is one the layer will write (not an input, a link, a device...)."""
    import os

    from balancer.io.outpath import file_target
    from balancer.io.tree import check_folder

    for path in (csv_path, html_path):
        if path:
            file_target(path)
    if charts_dir:
        check_folder(charts_dir)
    named = (("--csv", csv_path), ("--html", html_path))
    spots = [(flag, os.path.abspath(p)) for flag, p in named if p]
    if len(spots) == 2 and spots[0][1] == spots[1][1]:
        raise InputError(
            "--csv and --html name the same file; one would overwrite the other.",
            fix="give each output its own path.",
            where=Location(csv_path),
        )
    folder = os.path.abspath(charts_dir) if charts_dir else None
    for flag, spot in spots:
        if folder and (spot + os.sep).startswith(folder + os.sep):
            raise InputError(
                f"{flag} lies inside --charts-dir, a folder this command writes whole.",
                fix=f"write {flag} outside the charts folder.",
                where=Location(spot, column=flag),
            )


_WORD_COLUMNS = ("fits schedules", "status", "pareto")


def _print(table: Any, plans: dict[str, Plan], refused: dict[str, str], out: Any) -> None:
    """The comparison, each plan's pipelines with their runtimes, and why a scenario that
    does not fit does not."""
    from balancer.analysis.text_table import fitted_tables, two_lines
    from balancer.analysis.whatif import readable

    shown = readable(table, reasons=False)
    headers = ["scenario", *(two_lines(str(c)) for c in shown.columns)]
    rows = [[str(name), *(str(v) for v in values)] for name, values in shown.iterrows()]
    words = {0} | {i + 1 for i, c in enumerate(shown.columns) if c in _WORD_COLUMNS}
    for part in fitted_tables(headers, rows, width=out.width, left=words):
        out.print(part, highlight=False)
    from balancer.costs import assumed_costs_warning

    any_plan = next(iter(plans.values()), None)
    assumed = assumed_costs_warning(any_plan.estimates) if any_plan is not None else None
    if assumed:
        out.print(f"warning: {assumed}", style="yellow", highlight=False)
    for name, plan in plans.items():
        out.print(
            f"{name}: "
            + ", ".join(f"{p.key} {format_duration(p.runtime_s)}" for p in plan.pipelines),
            highlight=False,
        )
    first: dict[str, str] = {}
    for name, why in refused.items():
        said = first.setdefault(why, name)
        text = why if said == name else f"as {said} (the same reason)"
        out.print(f"{name}: does not fit: {text}", highlight=False)


def _schedule_sweep(items: tuple[str, ...]) -> list[tuple[str, str]]:
    """--sweep-schedule TARGET=CRON;CRON as (target, cron) pairs, each cron checked."""
    out = []
    for target, crons in pairs(items, "--sweep-schedule").items():
        for cron in (c.strip() for c in crons.split(";") if c.strip()):
            problem = cron_problem(cron)
            if problem:
                raise InputError(f"--sweep-schedule {target}: {problem}")
            out.append((target, " ".join(cron.split())))
    return out


def _fields(settings: Settings) -> dict[str, Any]:
    """Settings as keyword arguments, less the name (`WhatIf.load` takes the folder's)."""
    return {
        f.name: getattr(settings, f.name) for f in dataclasses.fields(settings) if f.name != "name"
    }


def scenario_name(s: Scenario) -> str:
    """A scenario named by what it changes, e.g. 'growth x1.5, +big_events'."""
    parts = []
    if s.growth != 1.0:
        parts.append(f"growth x{s.growth:g}")
    parts += [f"{c} x{f:g}" for c, f in s.category_growth.items()]
    parts += [f"{t} @ {c}" for t, c in s.schedules.items()]
    parts += [f"+{t.name}" for t in s.add_tables]
    parts += [f"-{t}" for t in s.remove_tables]
    parts += [f"{t} in {k}" for t, k in s.pins.items()]
    if s.max_tables_per_pipeline is not None:
        parts.append(f"max {s.max_tables_per_pipeline} tables")
    if s.pipelines is not None and not parts:
        parts.append(f"K={s.pipelines}")
    return ", ".join(parts) or "scenario"


def _new_table(item: str) -> NewTable:
    """--add-table NAME:INGESTION_TYPE:SECONDS or NAME:INGESTION_TYPE:rows=N."""
    from balancer.analysis.whatif import NewTable

    parts = item.split(":")
    if len(parts) != 3:
        raise InputError(
            f"--add-table '{item}' is not NAME:INGESTION_TYPE:SECONDS or NAME:TYPE:rows=N."
        )
    name, itype, amount = parts
    try:
        number = float(amount[5:] if amount.startswith("rows=") else amount)
    except ValueError:
        raise InputError(f"--add-table '{item}': '{amount}' is not a number.") from None
    limit = 1e15 if amount.startswith("rows=") else MAX_RUN_S
    if not math.isfinite(number) or not 0 <= number <= limit:
        raise InputError(f"--add-table '{item}': {number:g} must be from 0 to {limit:g}.")
    if amount.startswith("rows="):
        return NewTable(name, itype, rows=number)
    return NewTable(name, itype, weight=number)


def _charts(
    plans: dict[str, Plan],
    reference_key: str,
    scenario: str,
    table: Any,
    html_path: str | None,
    charts_dir: str | None,
    out: Any,
) -> None:
    """The charts as PNG files (--charts-dir: an output folder, written whole, never over a
    person's file) and the HTML report."""
    import tempfile

    from balancer.io.atomic import write_tree

    with tempfile.TemporaryDirectory(prefix="balancer-charts-") as tmp:  # the report embeds them
        images = _write_charts(plans, reference_key, scenario, Path(tmp))
        if charts_dir:
            write_tree(charts_dir, {p.name: p.read_bytes() for p in images.values()})
        if html_path:
            from balancer.analysis.charts import html_report
            from balancer.analysis.whatif import readable

            html_report("lakeflow-balancer what-if", readable(table), images, html_path)
            out.print(f"report written to {html_path}")


def _write_charts(
    plans: dict[str, Plan], reference_key: str, scenario: str, folder: Path
) -> dict[str, Path]:
    """The charts, drawn into `folder`, by caption."""
    from balancer.analysis.charts import (
        before_after,
        makespan_vs_k,
        pipeline_bars,
        tradeoff,
    )

    images = {
        "Makespan against K": makespan_vs_k(
            {int(k[2:]): p for k, p in plans.items() if k.startswith("K=")},
            folder / "makespan_vs_k.png",
        ),
        "Cost against freshness and batch window": tradeoff(plans, folder / "tradeoff.png"),
        f"Pipelines at {reference_key}": pipeline_bars(
            plans[reference_key], folder / "pipelines.png"
        ),
    }
    if scenario:
        images[scenario] = pipeline_bars(plans[scenario], folder / "scenario.png")
        images[f"{reference_key} vs {scenario}"] = before_after(
            plans[reference_key],
            plans[scenario],
            folder / "before_after.png",
            (reference_key, scenario),
        )
    return images
