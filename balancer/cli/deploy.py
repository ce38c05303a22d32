"""`balancer deploy`: a render folder to a workspace."""

from __future__ import annotations

import click

from balancer.cli.common import handle_errors, pairs, with_options
from balancer.terminal import say

TARGET_OPTIONS = [
    click.argument("render_dir", type=click.Path(file_okay=False)),
    click.option(
        "--target",
        "-t",
        default=None,
        help="Target of databricks.yml (default: its default target, dev).",
    ),
    click.option("--var", "variables", multiple=True, help="Variable NAME=VALUE (repeatable)."),
]


@click.command("deploy")
@with_options(TARGET_OPTIONS)
@click.option(
    "--workspace-path",
    default=None,
    help="Workspace folder for src/ (default: <target root_path>/files, as the Databricks CLI).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Delete the pipelines and jobs of this target that the render no longer has "
    "(jobs first; pipelines keep their tables: cascade=false).",
)
@click.option(
    "--warehouse-id",
    default=None,
    help="SQL warehouse for the hand-over of tables that change pipeline (ALTER STREAMING "
    "TABLE ... pipelines.pipelineId); without one, deploy stops before the first hand-over.",
)
@click.option(
    "--new-location",
    is_flag=True,
    help="Let this target's tables move to another catalog or schema than it was deployed to "
    "(the tables in the old one stay, updated by no pipeline).",
)
@click.option(
    "--adopt",
    is_flag=True,
    help="Take over same-named pipelines and jobs that this plan did not create.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Read the workspace and print the steps an apply would run, in order; change nothing.",
)
@handle_errors
def deploy_cmd(
    render_dir: str,
    target: str | None,
    variables: tuple[str, ...],
    workspace_path: str | None,
    prune: bool,
    warehouse_id: str | None,
    new_location: bool,
    adopt: bool,
    dry_run: bool,
) -> None:
    """Deploy a render folder with databricks-sdk (auth: the SDK's profile or env vars), as an
    ordered migration: tables that change pipeline are handed over, nothing is dropped."""
    from balancer.databricks.deploy import deploy
    from balancer.databricks.rendered import load_rendered
    from balancer.databricks.workspace import workspace_client

    rendered = load_rendered(render_dir)
    report = deploy(
        workspace_client(),
        rendered,
        target=target,
        overrides=pairs(variables, "--var"),
        workspace_path=workspace_path,
        prune=prune,
        dry_run=dry_run,
        adopt=adopt,
        warehouse_id=warehouse_id,
        echo=say,
        new_location=new_location,
    )
    moved = f", {report.handed_over} table(s) handed over" if report.handed_over else ""
    if dry_run:
        say(
            f"dry run: {len(report.steps)} step(s): {report.created} to create, {report.updated} "
            f"to update, {report.deleted} to delete{moved}; {report.unchanged} unchanged; nothing "
            "was changed"
        )
    else:
        say(
            f"deployed: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.deleted} deleted{moved}"
        )
