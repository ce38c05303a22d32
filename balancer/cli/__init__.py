"""The `balancer` command: one module per subcommand, errors mapped to exit codes in
`balancer.cli.common.handle_errors` (input 2, solver 3, Databricks 4).

The commands are the edges of the package: they parse options, talk to the terminal, read
the clock, and call the readers and writers (`balancer.io`), the planner, the renderers and
the workspace; the engine below them is handed values and does no I/O.
"""

from __future__ import annotations

import signal
import threading

import click

from balancer.cli.deploy import deploy_cmd
from balancer.cli.discover import discover
from balancer.cli.history import history
from balancer.cli.rebalance import rebalance
from balancer.cli.render import render
from balancer.cli.solve import solve
from balancer.cli.synth import synth_history
from balancer.cli.whatif import whatif


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM ends the command like an error does: cleanup handlers run, temporary files go."""
    raise SystemExit(128 + signum)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lakeflow-balancer")
def main() -> None:
    """Split a Lakeflow connector's tables over balanced pipelines."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


for command in (solve, synth_history, render, discover, rebalance, history, deploy_cmd, whatif):
    main.add_command(command)

__all__ = ["main"]

if __name__ == "__main__":
    main()
