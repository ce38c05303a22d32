"""`balancer deploy`: a render folder to a workspace."""

from __future__ import annotations

from typing import Any

import click

from balancer.cli.common import emit_json, handle_errors, json_option, pairs, with_options
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
@json_option("what was deployed (counts, steps, pipeline ids and URLs)")
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
    as_json: bool,
) -> None:
    """Deploy a render folder with databricks-sdk (auth: the SDK's profile or env vars), as an
    ordered migration: tables that change pipeline are handed over, nothing is dropped."""
    from balancer.databricks.deploy import deploy
    from balancer.databricks.rendered import load_rendered
    from balancer.databricks.workspace import workspace_client

    def echo(text: str) -> None:
        say(text, err=as_json)

    rendered = load_rendered(render_dir)
    client = workspace_client()
    report = deploy(
        client,
        rendered,
        target=target,
        overrides=pairs(variables, "--var"),
        workspace_path=workspace_path,
        prune=prune,
        dry_run=dry_run,
        adopt=adopt,
        warehouse_id=warehouse_id,
        echo=echo,
        new_location=new_location,
    )
    _defaults_note(rendered, echo)
    moved = f", {report.handed_over} table(s) handed over" if report.handed_over else ""
    if dry_run:
        echo(
            f"dry run: {len(report.steps)} step(s): {report.created} to create, {report.updated} "
            f"to update, {report.deleted} to delete{moved}; {report.unchanged} unchanged; nothing "
            "was changed"
        )
    else:
        echo(
            f"deployed: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.deleted} deleted{moved}"
        )
    urls = _urls(client, report.pipeline_ids, echo, dry_run)
    if as_json:
        from balancer.cli.jsonout import deploy_document

        name = target or rendered.default_target
        steps = [step.describe(report.pipeline_ids) for step in report.steps]
        emit_json(deploy_document(report, name, dry_run, urls, steps))


def _urls(client: Any, ids: dict[str, str], echo: Any, dry_run: bool) -> dict[str, str]:
    """Each deployed pipeline's page, from the host the SDK client talks to (printed)."""
    from balancer.cli.jsonout import pipeline_url

    host = str(getattr(client.config, "host", "") or "")
    urls = {key: pipeline_url(host, pid) for key, pid in sorted(ids.items())} if host else {}
    for key, url in urls.items():
        echo(f"  {key}: {url}" + (" (as deployed now)" if dry_run else ""))
    return urls


def _defaults_note(rendered: Any, echo: Any) -> None:
    """Which jobs run on schedules nobody chose (render tagged them), and their pause status."""
    from render.resources import DEFAULT_TAG

    ((tag, value),) = DEFAULT_TAG.items()
    held = {
        key: str(job.get("schedule", {}).get("pause_status", ""))
        for key, job in sorted(rendered.jobs.items())
        if (job.get("tags") or {}).get(tag) == value
    }
    if held:
        from balancer.units import format_duration

        paused = sum(1 for s in held.values() if s == "PAUSED")
        runs, compute = rendered.manifest.default_schedules
        start = (
            f"they start {runs:,.0f} runs a day, compute {format_duration(compute)} a day; "
            if runs
            else ""
        )
        echo(
            f"note: {len(held)} job(s) run on schedules nobody chose ({', '.join(held)}); {start}"
            f"{paused} rendered paused (deploy creates a new job so; an existing job keeps its own "
            "pause status). Choose their schedules (tables.csv's schedule "
            "column or solve --schedule-*), solve and render again, or unpause them yourself."
        )
