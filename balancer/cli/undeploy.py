"""`balancer undeploy`: delete what a render deployed to one target, keeping every table.

As safe as `deploy --prune`, which it is with an empty render: only the jobs and pipelines
tagged with this deployment and this target go (jobs first), pipelines are deleted with
cascade=false so their tables stay, and nothing is deleted unless asked for by name:
without `--yes` the command lists what it would delete and exits 2; `--dry-run` lists the
steps and exits 0.
"""

from __future__ import annotations

import click

from balancer.cli.common import emit_json, handle_errors, json_option, pairs, with_options
from balancer.cli.deploy import TARGET_OPTIONS
from balancer.errors import InputError, Location
from balancer.terminal import say

SHOWN = 10


@click.command("undeploy")
@with_options(TARGET_OPTIONS)
@click.option(
    "--yes",
    is_flag=True,
    help="Delete them: every job and pipeline this render deployed to the target (their "
    "tables stay: cascade=false).",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the steps an undeploy would run; change nothing."
)
@json_option("what was (or would be) deleted")
@handle_errors
def undeploy_cmd(
    render_dir: str,
    target: str | None,
    variables: tuple[str, ...],
    yes: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Delete the jobs and pipelines a render deployed to one target; every table stays."""
    from balancer.databricks.deploy import undeploy
    from balancer.databricks.rendered import load_rendered
    from balancer.databricks.workspace import workspace_client

    rendered = load_rendered(render_dir)
    client = workspace_client()
    overrides = pairs(variables, "--var")
    planned = undeploy(client, rendered, target=target, overrides=overrides, dry_run=True)
    doomed = [
        f"{s.kind.removeprefix('delete_')} {s.name or s.subject}"
        for s in planned.steps
        if s.kind in ("delete_job", "delete_pipeline")
    ]
    name = target or rendered.default_target

    def done(deleted: bool) -> None:
        if as_json:
            emit_json(
                {"schema_version": 1, "command": "undeploy", "target": name}
                | {"dry_run": dry_run, "deleted": deleted, "objects": doomed}
            )

    if not doomed:
        say(f"nothing of this deployment is in target {name}; nothing to delete", err=as_json)
        return done(False)
    if dry_run or not yes:
        more = f" and {len(doomed) - SHOWN} more" if len(doomed) > SHOWN else ""
        listed = ", ".join(doomed[:SHOWN]) + more
        if dry_run:
            for step in doomed:
                say(f"  delete {step}", err=as_json)
            say(f"dry run: {len(doomed)} to delete; nothing was changed", err=as_json)
            return done(False)
        raise InputError(
            f"undeploy would delete {len(doomed)} object(s) of this deployment ({listed}); their "
            "tables stay.",
            fix="pass --yes to delete them (or --dry-run to see the steps).",
            where=Location(render_dir),
        )
    report = undeploy(
        client, rendered, target=target, overrides=overrides, echo=lambda s: say(s, err=as_json)
    )
    say(f"undeployed: {report.deleted} deleted; every table kept (cascade=false)", err=as_json)
    done(True)
