"""Start times staggered under a cap on pipelines running at once. Pure and deterministic.

Pipelines on one schedule (the same cron) are triggered at the same instants, and they share
the source's rate limits (a SaaS source publishes a request limit per token) and the
workspace's cap on concurrent pipeline updates. `stagger` places them on `cap` lanes, longest
p90 runtime first (ties by key): each pipeline starts when the previous one on its lane is
predicted to finish at p90, rounded up to the minute, so no more than `cap` run at once on a
slow day. That minute offset is the pipeline's `start_offset_min`; render shifts the job's
schedule by it (schedules.shift_cron) and plan_metrics counts it in the batch window.

A lane's runs must end within the schedule's interval (else the next trigger finds the lane
still running) and every offset must be one a job schedule can express; when `cap` lanes
cannot, one more lane is opened until they can, and the plan warns how many run at once. Cap 0
is no cap: every pipeline starts on its trigger. Pipelines on different crons are not counted
against each other (hourly and daily pipelines that coincide at 00:00 are a known limit).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from balancer.costs import lane_offsets
from balancer.model import PipelinePlan, Settings
from balancer.schedules import (
    CronError,
    describe,
    is_batch,
    min_interval_seconds,
    normalize,
    shift_cron,
)
from balancer.units import format_duration


@dataclass(frozen=True)
class Staggered:
    """The pipelines with their start offsets, and what the plan should warn about."""

    pipelines: tuple[PipelinePlan, ...]
    warnings: tuple[str, ...] = ()


def stagger(
    pipelines: Sequence[PipelinePlan], cap: int, batch_window_s: int | None = None
) -> Staggered:
    """`pipelines` (in their order) with start offsets under `cap` pipelines of one schedule
    running at once (0: no cap). With `batch_window_s`, a daily or slower schedule whose
    staggered p90 window (offset + p90 runtime) exceeds it is warned about."""
    groups: dict[str, list[PipelinePlan]] = {}
    for p in pipelines:
        groups.setdefault(normalize(p.schedule), []).append(p)
    offsets: dict[str, int] = {}
    warnings: list[str] = []
    for schedule in sorted(groups):
        members = groups[schedule]
        placed, lanes = _lanes(members, schedule, cap)
        offsets.update(placed)
        if 0 < cap < lanes:
            why = (
                f"{cap} at a time do not finish within the schedule's interval "
                f"({format_duration(min_interval_seconds(schedule))})"
                if _place(members, schedule, cap, expressible_only=True) is not None
                else "their later starts would cross midnight, which a day-of-month or month "
                "schedule cannot say"
            )
            warnings.append(
                f"{len(members)} pipelines on {describe(schedule)} run up to {lanes} at once, "
                f"above --max-concurrent-pipelines {cap}: {why}."
            )
        window = max(placed[p.key] * 60 + p.p90_runtime_s for p in members)
        unstaggered = max(p.p90_runtime_s for p in members)
        if (
            batch_window_s is not None
            and is_batch(schedule)
            and window > batch_window_s >= unstaggered
        ):
            warnings.append(
                f"staggered {lanes} at a time, the pipelines on {describe(schedule)} finish "
                f"{format_duration(window)} after their trigger at p90, beyond the batch window "
                f"{format_duration(batch_window_s)} (--batch-window): raise "
                "--max-concurrent-pipelines if the source allows, or the batch window."
            )
    return Staggered(
        tuple(dataclasses.replace(p, start_offset_min=offsets[p.key]) for p in pipelines),
        tuple(warnings),
    )


def _lanes(members: Sequence[PipelinePlan], schedule: str, cap: int) -> tuple[dict[str, int], int]:
    """Offsets on the fewest lanes, from `cap` up, that keep every lane within the interval;
    with as many lanes as pipelines every offset is 0 (always accepted). Fewer lanes than
    the p90 work over the interval cannot hold it, so the search starts there; past that it
    halves the range (log n placements, not n: a thousand pipelines on one schedule stay
    quick). More lanes end no later but for rare list-scheduling anomalies, so the count found
    is the fewest or close to it; every count it returns holds within the interval."""
    n = len(members)
    if not cap or cap >= n:
        return {p.key: 0 for p in members}, n
    work = sum(p.p90_runtime_s for p in members)
    lo = max(cap, -(-work // max(1, min_interval_seconds(schedule))))
    if lo >= n:
        return {p.key: 0 for p in members}, n
    best: tuple[dict[str, int], int] | None = None
    hi = n - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        placed = _place(members, schedule, mid)
        if placed is None:
            lo = mid + 1
        else:
            best, hi = (placed, mid), mid - 1
    return best if best is not None else ({p.key: 0 for p in members}, n)


def _place(
    members: Sequence[PipelinePlan], schedule: str, lanes: int, expressible_only: bool = False
) -> dict[str, int] | None:
    """Offsets by `costs.lane_offsets` (ties by key); None when an offset is not one a job
    schedule can express or (unless `expressible_only`) a lane's runs outlast the interval."""
    ordered = sorted(members, key=lambda p: p.key)
    offsets = lane_offsets([p.p90_runtime_s for p in ordered], lanes)
    if any(o and not _expressible(schedule, o) for o in offsets):
        return None
    ends = [o * 60 + p.p90_runtime_s for o, p in zip(offsets, ordered, strict=True)]
    if not expressible_only and max(ends) > min_interval_seconds(schedule):
        return None
    return {p.key: o for p, o in zip(ordered, offsets, strict=True)}


def _expressible(schedule: str, offset_min: int) -> bool:
    try:
        shift_cron(schedule, offset_min)
    except CronError:
        return False
    return True


def staggered_pipelines(pipelines: Sequence[PipelinePlan], settings: Settings) -> Staggered:
    """`stagger` under the settings' cap, checking the batch window where schedule fit is on."""
    window = None if settings.sla_headroom is None else settings.batch_window_s
    return stagger(pipelines, settings.max_concurrent_pipelines, window)
