"""`--deployment DIR [--deployment-target T]`: where a deployed plan lives, read from the record
`balancer deploy` keeps in the render folder (pipeline ids, catalog, schema, event logs).
Shared by `rebalance` and `history`, so nobody pastes ids or guesses `main.default`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from balancer.errors import InputError, Location
from balancer.model import Plan


@dataclass(frozen=True)
class Deployed:
    catalog: str
    schema: str
    pipeline_ids: dict[str, str] = field(default_factory=dict)
    event_logs: dict[str, str] = field(default_factory=dict)
    folder: str = ""
    target: str = ""


DEPLOYMENT_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--deployment",
        "deployment",
        default=None,
        type=click.Path(file_okay=False),
        help="The render folder you deployed: pipeline ids, catalog and schema come from the "
        "record `balancer deploy` keeps there.",
    ),
    click.option(
        "--deployment-target",
        "deployment_target",
        default=None,
        help="Target of --deployment (default: the only one deployed from it).",
    ),
]


def deployed(folder: str | None, target: str | None, plan: Plan | None = None) -> Deployed | None:
    """The deployment's record, checked against the plan; None without --deployment."""
    if folder is None:
        if target is not None:
            raise InputError(
                "--deployment-target needs --deployment.", fix="pass --deployment DIR too."
            )
        return None
    from balancer.databricks.state import read_state

    state = read_state(folder, target)
    if plan is not None and state.deployment_id != plan.deployment_id:
        raise InputError(
            f"the deployment in {folder} is of another plan (deployment id "
            f"{state.deployment_id}, the plan's is {plan.deployment_id}).",
            where=Location(folder),
            fix="pass the render folder of this plan.",
        )
    return Deployed(
        state.catalog,
        state.schema,
        dict(state.pipelines),
        dict(state.event_logs),
        folder,
        state.target,
    )
