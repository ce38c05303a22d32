"""The one way text reaches a terminal. Table names, categories, paths, option values and
error messages all come from input, and a name holding ESC, OSC, NUL, BEL, C1 or bidi
override characters could move the cursor, retitle the window, hide a line or reorder
what a person reads. Everything the package prints goes through `clean` first:

- `say` for plain lines (click.echo underneath);
- `console()` for rich output (tables, spinners): a rich Console whose `render_str`, the
  step every printed string and every table cell passes through, cleans the text, with
  markup and emoji off so a name such as `[red]x` or `:bomb:` prints as written;
- the CLI's error line and click's own usage errors (`balancer.cli.common`, `balancer.cli`).

Tabs are kept, and newlines in what may span lines (tables, summaries, a runbook); an error
about an input and a warning are one line each, their newlines escaped too. Every other
character that is not printable is shown as its escape (`\\x1b`, `\\x00`, `\\u202e`), as
`repr` would.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

from balancer.quoting import visible


def clean(text: str, one_line: bool = False) -> str:
    """`text` with every non-printable character but newline and tab as an escape; with
    `one_line`, newlines too (a message that is one line stays one: a name holding a newline
    cannot print a line of its own, such as a fake `warning:` or `solved` line)."""
    return visible(text, keep="\t" if one_line else "\n\t")


_QUIET = [False]  # set by the commands' shared -q/--quiet (`balancer.cli.common.quiet_option`)


def set_quiet(quiet: bool) -> None:
    """Whether `say` and `console()` print nothing (`-q`): only errors (`force`) get through."""
    _QUIET[0] = quiet


def is_quiet() -> bool:
    return _QUIET[0]


def say(text: str, err: bool = False, one_line: bool = False, force: bool = False) -> None:
    """Print text that may hold input, cleaned (`one_line`: as one line, see `clean`); under
    `-q` nothing but what is `force`d (the error line)."""
    import click

    if _QUIET[0] and not force:
        return
    click.echo(clean(text, one_line), err=err)


@functools.cache
def _safe_console_class() -> Any:
    from rich.console import Console

    class SafeConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(clean(text), **kwargs)

    return SafeConsole


def console(width: int | None = 140, stderr: bool = False) -> Any:
    """A rich console that cleans what it prints: full width on a terminal, `width` columns
    otherwise (None: rich's own choice)."""
    stream = sys.stderr if stderr else sys.stdout
    return _safe_console_class()(
        width=None if stream.isatty() else width,
        stderr=stderr,
        markup=False,
        emoji=False,
        quiet=_QUIET[0],
    )
