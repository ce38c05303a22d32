"""`balancer deploy`: a render folder to a workspace."""

from __future__ import annotations

import click

from balancer.cli.common import handle_errors, pairs


@click.command("deploy")
@click.argument("render_dir", type=click.Path(file_okay=False))
@click.option(
    "--target",
    "-t",
    default=None,
    help="Target of databricks.yml (default: its default target, dev).",
)
@click.option("--var", "variables", multiple=True, help="Variable NAME=VALUE (repeatable).")
@click.option(
    "--workspace-path",
    default=None,
    help="Workspace folder for src/ (default: <target root_path>/files, as the Databricks CLI).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Delete the pipelines and jobs this plan created earlier and no longer has.",
)
@click.option(
    "--adopt",
    is_flag=True,
    help="Take over same-named pipelines and jobs that this plan did not create.",
)
@click.option(
    "--dry-run", is_flag=True, help="Read the workspace and list what would change; change nothing."
)
@handle_errors
def deploy_cmd(
    render_dir: str,
    target: str | None,
    variables: tuple[str, ...],
    workspace_path: str | None,
    prune: bool,
    adopt: bool,
    dry_run: bool,
) -> None:
    """Deploy a render folder with databricks-sdk (auth: the SDK's profile or env vars)."""
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
        echo=click.echo,
    )
    counts = (
        f"{report.created} to create, {report.updated} to update, {report.unchanged} unchanged, "
        f"{report.deleted} to delete"
    )
    if dry_run:
        click.echo(f"dry run: {counts}; nothing was changed")
    else:
        click.echo(
            f"deployed: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.deleted} deleted"
        )
