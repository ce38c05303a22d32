"""What-if sweeps that always answer: the pipeline counts, what `balancer solve` answers and
the schedule sweep, each run either a plan or a row saying why it does not fit."""

from __future__ import annotations

from collections.abc import Iterable

from balancer.analysis.whatif import Scenario, WhatIf, refusal
from balancer.errors import InputError
from balancer.model import Plan
from balancer.schedules import describe


def sweeps(
    base: WhatIf, lo: int, hi: int, schedule_sweep: Iterable[tuple[str, str]]
) -> tuple[dict[str, Plan], dict[str, str], str]:
    """The pipeline-count sweep, what `balancer solve` answers (the reference, named first) and
    the schedule sweep (target, cron); a run that does not fit, the reference too, is a refused
    row and the sweep goes on. Returns the plans, the refusals and the reference's name."""
    swept, refused = base.sweep(range(lo, hi + 1))
    chosen = base.try_run(Scenario("solve", pipelines=(lo, hi)))
    plans: dict[str, Plan] = {}
    if isinstance(chosen, Plan):
        reference_key = f"solve (K={len(chosen.pipelines)})"
        plans[reference_key] = chosen
    else:
        reference_key = "solve"
        refused = {reference_key: refusal(chosen), **refused}
    plans.update(swept)
    current = plans.get(reference_key)
    for target, cron in schedule_sweep:
        name = f"{target} {describe(cron)}"
        scenario = Scenario(name, pipelines=(lo, hi), schedules={target: cron})
        add_outcome(base.try_run(scenario, current=current), name, plans, refused)
    return plans, refused, reference_key


def add_outcome(
    outcome: Plan | InputError, name: str, plans: dict[str, Plan], refused: dict[str, str]
) -> None:
    """A run's plan, or why it does not fit, under its name."""
    if isinstance(outcome, Plan):
        plans[name] = outcome
    else:
        refused[name] = refusal(outcome)
