"""What the commands share: the error-to-exit-code mapping and the parsing of option values.

`handle_errors` is the only place the package ends the process: InputError (and
InfeasibleError) exit 2, SolverError 3, RemoteError 4, each with one `error:` line.
`rebalance --exit-code` ends with EXIT_ACTION_NEEDED (10) when it proposes moves.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from balancer.errors import BalancerError, InputError, Location
from balancer.io.guard import command_scope
from balancer.schedules import cron_problem
from balancer.terminal import console as console  # the commands' console, re-exported
from balancer.terminal import say, set_quiet

P = ParamSpec("P")
F = TypeVar("F", bound=Callable[..., Any])
_RANGE = re.compile(r"^\s*(\d+)\s*(?:\.\.\s*(\d+))?\s*$")


class Finite(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """A finite number within bounds (nan and inf refused: they would reach plan.json)."""

    name = "number"

    def __init__(self, low: float | None = None, high: float | None = None, open_low: bool = False):
        self.low, self.high, self.open_low = low, high, open_low

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number.", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        if self.low is not None and (number < self.low or (self.open_low and number == self.low)):
            self.fail(
                f"{number:g} must be {'>' if self.open_low else '>='} {self.low:g}.", param, ctx
            )
        if self.high is not None and number > self.high:
            self.fail(f"{number:g} must be <= {self.high:g}.", param, ctx)
        return number


class SettingValue(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """A value of one `Settings` field, checked by the field's own declaration (`Bound`): the
    command line and the Python API refuse a value with the same words."""

    def __init__(self, setting: str) -> None:
        from balancer.model import Settings

        self.setting = setting
        self.bound = Settings.bound(setting)
        self.name = "integer" if self.bound.integer else "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from balancer.limits import setting_problem

        if value is None or isinstance(value, int | float):
            number = value
        else:
            try:
                number = int(value) if self.bound.integer else float(value)
            except (TypeError, ValueError):
                self.fail(f"{value!r} is not a number.", param, ctx)
        problem = setting_problem(self.bound, number)
        if problem:
            self.fail(f"{problem}.", param, ctx)
        return number


EXIT_ACTION_NEEDED = 10  # rebalance --exit-code: moves proposed (not an error: 2, 3, 4 are)
SEED = SettingValue("seed")
MAX_COUNT = 1_000_000  # moves, runs: a count above it is a typo (and OR-Tools takes 64 bits)
COUNT = click.IntRange(0, MAX_COUNT)
TABLE_CAP = SettingValue("max_tables_per_pipeline")


def with_options(options: Sequence[Callable[[F], F]]) -> Callable[[F], F]:
    """One decorator applying click options in the order they are listed (as if stacked)."""

    def apply(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def time_limit_option(default: float, what: str) -> Callable[[F], F]:
    """--time-limit: a budget in deterministic seconds, finite and above 0; the same number of
    seconds of wall time is a safety net (a plan it cuts short says so in a warning)."""
    return click.option(
        "--time-limit",
        "time_limit_s",
        type=SettingValue("time_limit_s"),
        default=default,
        show_default=True,
        help=f"{what} (deterministic seconds, so that plans are reproducible; also a cap on "
        "wall time: a plan it cuts short says so and may differ between runs).",
    )


def _set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    set_quiet(value)
    return value


QUIET = click.option(
    "--quiet",
    "-q",
    is_flag=True,
    callback=_set_quiet,
    expose_value=False,
    is_eager=True,
    help="Print nothing but errors (and, with --json, the JSON document).",
)
"""-q, which `handle_errors` gives every command: `say` and the rich consoles print nothing
(`balancer.terminal`)."""


def json_option(what: str) -> Callable[[F], F]:
    """--json: the command's figures as one JSON document on stdout (schema in README,
    `balancer.analysis.report_json`); what it prints for people goes to stderr."""
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help=f"Write {what} as one JSON document to stdout (schema_version 1, see README); "
        "the text for people goes to stderr.",
    )


def emit_json(document: dict[str, Any]) -> None:
    """The JSON document of --json on stdout (printed under -q too: it is the output asked for)."""
    import json

    click.echo(json.dumps(document, indent=2, sort_keys=False))


def handle_errors(command: Callable[P, None]) -> Callable[P, None]:
    """Run a command; a BalancerError becomes its message on stderr and its exit code. Adds
    the shared -q/--quiet option (apply it below the command's other options)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            with command_scope():  # the inputs this command reads, never written over
                command(*args, **kwargs)
        except BalancerError as exc:
            # an error about an input is one line; deploy's runbook (exit 4) may span several
            say(f"error: {exc}", err=True, one_line=isinstance(exc, InputError), force=True)
            sys.exit(exc.exit_code)
        finally:
            set_quiet(False)  # a caller in Python (a notebook, a test) prints again

    return QUIET(run)  # every command takes -q: the one option, the one place


def parse_pipelines(text: str) -> tuple[int, int, bool]:
    """'5' -> (5, 5, explicit); '3..8' -> (3, 8, not explicit)."""
    m = _RANGE.match(text)
    if not m:
        raise InputError(
            f"--pipelines '{text}' is neither a number nor a range MIN..MAX.",
            fix="write e.g. --pipelines 5 or --pipelines 3..8.",
        )
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) else lo
    if lo < 1 or hi < lo:
        raise InputError(
            f"--pipelines '{text}' is not a valid count or range.",
            fix="use a number >= 1, or MIN..MAX with MIN <= MAX.",
        )
    return lo, hi, m.group(2) is None


def pairs(items: tuple[str, ...], flag: str) -> dict[str, str]:
    """KEY=VALUE options (repeatable) as a dict."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise InputError(f"{flag} '{item}' is not KEY=VALUE.")
        out[key] = value
    return out


def json_object(text: str | None, flag: str, allow_file: bool = False) -> dict[str, str]:
    """A JSON object of strings given as text (or, with allow_file, a file holding it)."""
    from balancer.io.files import read_bytes
    from balancer.jsondoc import MAX_VALUE_BYTES, load_json

    if not text:
        return {}
    where = Location(column=flag)
    source: str | bytes = text
    if allow_file and not text.lstrip().startswith(("{", "[")) and _is_file(text):
        source, where = read_bytes(text, f"{flag} JSON"), Location(text, column=flag)
    value = load_json(source, where, what=f"{flag} value", max_bytes=MAX_VALUE_BYTES)
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InputError(
            f"{flag} must be a JSON object of strings.",
            fix='write a JSON object such as {"key": "value"}.',
            where=where,
        )
    return {str(k): v for k, v in value.items()}


def _is_file(text: str) -> bool:
    """Whether `text` names a file (not when it cannot be a path: too long, a NUL byte)."""
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def schedule_overrides(snapshot: str | None, append: str | None, cdc: str | None) -> dict[str, str]:
    """--schedule-snapshot/-append/-cdc as ingestion type -> cron (checked)."""
    out: dict[str, str] = {}
    for itypes, flag, cron in (
        (("snapshot",), "--schedule-snapshot", snapshot),
        (("append",), "--schedule-append", append),
        (("cdc", "cdc_with_deletes"), "--schedule-cdc", cdc),
    ):
        if cron:
            problem = cron_problem(cron)
            if problem:
                raise InputError(problem, where=Location(column=flag))
            for itype in itypes:
                out[itype] = " ".join(cron.split())
    return out


def tables_beside_history(history_path: str | None) -> str:
    """tables.csv in the folder of --history, for commands given no --tables."""
    if history_path is None:
        raise InputError(
            "give --tables (and optionally --history).",
            fix="e.g. --tables examples/osipi/tables.csv --history examples/osipi/runs.csv",
        )
    return str(Path(history_path).with_name("tables.csv"))


class NullStatus:
    """Stands in for a rich status spinner when there is no terminal."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
