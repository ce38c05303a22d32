"""The `balancer` command: one module per subcommand, errors mapped to exit codes in
`balancer.cli.common.handle_errors` (input 2, solver 3, Databricks 4).

The commands are the edges of the package: they parse options, talk to the terminal, read
the clock, and call the readers and writers (`balancer.io`), the planner, the renderers and
the workspace; the engine below them is handed values and does no I/O.
"""

from __future__ import annotations

import importlib
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

import click

from balancer.terminal import say, set_quiet

# name -> (module, attribute): a command's module is imported only when it runs (or when
# help lists it), so `balancer solve` does not pay for rendering, deploying, ...
COMMANDS = {
    "solve": ("balancer.cli.solve", "solve"),
    "synth-history": ("balancer.cli.synth", "synth_history"),
    "render": ("balancer.cli.render", "render"),
    "discover": ("balancer.cli.discover", "discover"),
    "rebalance": ("balancer.cli.rebalance", "rebalance"),
    "history": ("balancer.cli.history", "history"),
    "deploy": ("balancer.cli.deploy", "deploy_cmd"),
    "explain": ("balancer.cli.explain", "explain_cmd"),
    "undeploy": ("balancer.cli.undeploy", "undeploy_cmd"),
    "whatif": ("balancer.cli.whatif", "whatif"),
    "backtest": ("balancer.cli.backtest", "backtest_cmd"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """As click's, but click's own messages (an unknown option, a bad value: text the user
        typed) are one `error:` line with a fix, cleaned, as every other message is."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            if args is not None and any("\x00" in arg for arg in args):
                # no command line can carry one (C strings); only a caller in Python can
                raise click.UsageError("an argument holds a NUL byte, which no path or value can.")
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            hint = f" Fix: see `{ctx.command_path} --help`." if ctx is not None else ""
            say(f"error: {exc.format_message()}{hint}", err=True, one_line=True, force=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            say("Aborted!", err=True, force=True)
            sys.exit(1)
        finally:
            set_quiet(False)  # -q ends with the command, however it ended (a usage error too)
        sys.exit(code if isinstance(code, int) else 0)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM ends the command like an error does: cleanup handlers run, temporary files go."""
    raise SystemExit(128 + signum)


@click.group("balancer", cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lakeflow-balancer")
def main() -> None:
    """Split a Lakeflow connector's tables over balanced pipelines."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


__all__ = ["main"]

if __name__ == "__main__":
    main()
