"""The options that shape a plan, shared by `solve` and `whatif` so both answer the same
question the same way, and their conversion into `Settings`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, cast

import click

from balancer.cli.common import SEED, F, SettingValue, with_options
from balancer.errors import InputError, Location
from balancer.model import (
    DEFAULT_CONCURRENCY,
    GROUP_BY_MODES,
    OBJECTIVES,
    GroupBy,
    Objective,
    Settings,
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400}

_OPTIONS: tuple[Callable[[F], F], ...] = (
    click.option(
        "--group-by",
        type=click.Choice(GROUP_BY_MODES),
        default=Settings.group_by,
        show_default=True,
        help="What a pipeline never mixes: ingestion types, categories, both, or nothing.",
    ),
    click.option(
        "--objective",
        type=click.Choice(OBJECTIVES),
        default=Settings.objective,
        show_default=True,
        help="How pipelines are shared out once every schedule fits: balanced (least compute a "
        "day within --k-tolerance, then the shortest batch window), cost (least compute), "
        "batch-window (shortest daily run), freshness (runs furthest within their interval), "
        "makespan (the shortest longest run, ignoring schedules).",
    ),
    click.option(
        "--sla-headroom",
        type=SettingValue("sla_headroom"),
        default=Settings.sla_headroom,
        show_default=True,
        help="Schedule fit: a pipeline's p90 run must finish within its interval x this.",
    ),
    click.option(
        "--batch-window",
        default=f"{Settings.batch_window_s // 3600}h",
        show_default=True,
        help="Schedule fit for daily and slower pipelines: their p90 run finishes within this "
        "(e.g. 90m, 4h, 14400).",
    ),
    click.option(
        "--max-concurrent-pipelines",
        type=SettingValue("max_concurrent_pipelines"),
        default=Settings.max_concurrent_pipelines,
        show_default=True,
        help="Pipelines of one schedule running at once (they share the source's rate limit): "
        "the others start later, staggered by minutes within the schedule, and the batch "
        "window counts it. 0: no cap, all start on the trigger.",
    ),
    click.option(
        "--no-schedule-fit",
        is_flag=True,
        help="Do not require pipelines to finish within their schedule (not recommended).",
    ),
    click.option(
        "--overhead",
        "overhead_s",
        type=SettingValue("overhead_s"),
        default=Settings.overhead_s,
        show_default=True,
        help="Seconds a pipeline update spends starting up, paid on every run.",
    ),
    click.option(
        "--concurrency",
        default="auto",
        show_default=True,
        help="Flows a pipeline runs at once: a number, or 'auto' (from history with per-flow "
        f"times, else {DEFAULT_CONCURRENCY}).",
    ),
    click.option(
        "--price-per-hour",
        type=SettingValue("price_per_hour"),
        default=Settings.price_per_hour,
        help="Price of one compute hour (e.g. DBUs x rate): shows cost per day.",
    ),
    click.option(
        "--k-tolerance",
        type=SettingValue("k_tolerance"),
        default=Settings.k_tolerance,
        show_default=True,
        help="Within this share of the best, values of the objective count as equal; the "
        "next criterion, then fewer pipelines, decide.",
    ),
    click.option(
        "--seed",
        type=SEED,
        default=Settings.seed,
        show_default=True,
        help="Solver random seed (same seed, same plan).",
    ),
)


# The shared planning options, as one decorator.
planning_options = with_options(_OPTIONS)


PLANNING_KEYS = (
    "group_by",
    "objective",
    "sla_headroom",
    "batch_window",
    "no_schedule_fit",
    "max_concurrent_pipelines",
    "overhead_s",
    "concurrency",
    "price_per_hour",
    "k_tolerance",
    "seed",
)


def settings_from(options: dict[str, Any], history_path: str | None, **more: Any) -> Settings:
    """The shared options (popped from `options`) and `more` fields as Settings."""
    values = {key: options.pop(key) for key in PLANNING_KEYS}
    flows, calibrate = parse_concurrency(values["concurrency"], history_path)
    return Settings(
        group_by=cast(GroupBy, values["group_by"]),
        objective=cast(Objective, values["objective"]),
        sla_headroom=None if values["no_schedule_fit"] else values["sla_headroom"],
        batch_window_s=parse_duration(values["batch_window"], "--batch-window"),
        max_concurrent_pipelines=values["max_concurrent_pipelines"],
        overhead_s=values["overhead_s"],
        concurrency=flows,
        concurrency_calibrated=calibrate,
        price_per_hour=values["price_per_hour"],
        k_tolerance=values["k_tolerance"],
        seed=values["seed"],
        **more,
    )


def parse_concurrency(text: str, history_path: str | None) -> tuple[int, bool]:
    """--concurrency as (flows at once, calibrate from history when it shows flows)."""
    value = str(text).strip().lower()
    if value == "auto":
        return DEFAULT_CONCURRENCY, history_path is not None
    if not (value.isdigit() and 1 <= int(value) <= 1000):
        raise InputError(
            f"--concurrency '{text}' must be a whole number from 1 to 1000, or 'auto'.",
            where=Location(column="--concurrency"),
        )
    return int(value), False


def parse_duration(text: str, flag: str) -> int:
    """'90m', '4h', '1d' or plain seconds as whole seconds (at least 1)."""
    match = _DURATION.match(str(text))
    value = float(match.group(1)) * _UNIT[match.group(2)] if match else math.nan
    if not value >= 1:  # no match, or under a second
        raise InputError(
            f"{flag} '{text}' is not a duration.",
            fix="write a number with s, m, h or d, e.g. 90m or 4h.",
            where=Location(column=flag),
        )
    if value > 7 * 86_400:  # a number too long for a float is infinite: compared, not rounded
        raise InputError(f"{flag} '{text}' is longer than a week.", where=Location(column=flag))
    return round(value)
