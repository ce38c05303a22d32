"""`balancer explain TABLE`: why a table is in its pipeline and what moving it would do."""

from __future__ import annotations

import click

from balancer.cli.common import console, handle_errors


@click.command("explain")
@click.argument("table")
@click.option(
    "--plan",
    "plan_path",
    default="plan.json",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The plan to read.",
)
@handle_errors
def explain_cmd(table: str, plan_path: str) -> None:
    """Why TABLE is in its pipeline (rules, cost and its source) and what moving it alone to
    each other pipeline would do to the plan's figures."""
    from balancer.analysis.explain import explain
    from balancer.analysis.explain_view import print_explanation
    from balancer.io.plan_check import read_plan

    print_explanation(explain(read_plan(plan_path), table), console())
