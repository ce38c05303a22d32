"""The checks themselves: each rule of `check_run` fails on a run that breaks it (a toy
command doing the wrong thing on purpose), and a run that keeps every rule passes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from tests.fuzz.check import invoke, problems
from tests.fuzz.sandbox import Sandbox, sandbox


def _toy(action: Callable[[Path], object]) -> click.Command:
    @click.command()
    @click.argument("folder", type=click.Path(path_type=Path))
    def toy(folder: Path) -> None:
        action(folder)

    return toy


def _fail(code: int, text: str = "error: no.") -> Callable[[Path], object]:
    def act(folder: Path) -> None:
        click.echo(text, err=True)
        sys.exit(code)

    return act


def _raise(folder: Path) -> None:
    raise ValueError("a bug")


def _relink(folder: Path) -> None:
    (folder / "out").unlink()
    (folder / "out").write_text("x")


CASES: list[tuple[str, Callable[[Path], object], str]] = [
    ("clean", lambda f: (f / "out" / "a.txt").write_text("ok"), ""),
    ("outside", lambda f: (f / "stray.txt").write_text("x"), "written outside the outputs"),
    ("input bytes", lambda f: (f / "in.csv").write_text("changed"), "input in.csv was changed"),
    ("input mode", lambda f: (f / "in.csv").chmod(0o600), "input in.csv was changed"),
    ("input removed", lambda f: (f / "in.csv").unlink(), "input in.csv was removed"),
    ("exit 2 wrote", lambda f: _half_then_fail(f), "exit code 2, yet the sandbox changed"),
    ("exit 1", _fail(1), "exit code 1 is not one of"),
    ("no error line", _fail(3, "it failed"), "printed 0 'error:' lines"),
    ("two error lines", _fail(4, "error: a\nerror: b"), "printed 2 'error:' lines"),
    ("traceback", _raise, "the command raised ValueError: a bug"),
    (
        "ESC",
        lambda f: click.echo("\x1b]0;title\x07"),
        "raw control characters ['U+0007', 'U+001B']",
    ),
    ("bidi", lambda f: click.echo("\u202eevil"), "raw control characters ['U+202E']"),
    ("NUL", lambda f: click.echo("a\x00b"), "raw control characters ['U+0000']"),
    ("C1", lambda f: click.echo("\x9b2J"), "raw control characters ['U+009B']"),
]


def _half_then_fail(folder: Path) -> None:
    (folder / "out" / "half.txt").write_text("half")
    _fail(2)(folder)


def _box() -> Sandbox:
    box = Sandbox()
    box.input("in.csv", "a,b\n1,2\n")
    box.path("out").mkdir()
    return box


@pytest.mark.parametrize(("name", "action", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_fails_on_a_run_that_breaks_it(
    name: str, action: Callable[[Path], object], expected: str
) -> None:
    box = _box()
    try:
        run, _ = invoke(box, [box.root], _toy(action))
        found = problems(run, box.inputs, ["out"])
    finally:
        box.close()
    if expected:
        assert any(expected in p for p in found), found
    else:
        assert found == []


def test_a_symlink_of_the_users_at_the_output_may_not_be_replaced() -> None:
    with sandbox() as box:
        box.path("target").mkdir()
        box.path("out").symlink_to(box.path("target"))
        run, _ = invoke(box, [box.root], _toy(_relink))
        found = problems(run, set(), ["out"])
    assert any("was a link the user made" in p for p in found), found


def test_folders_made_on_the_way_to_an_output_are_allowed() -> None:
    def nested(folder: Path) -> None:
        (folder / "a" / "b").mkdir(parents=True)
        (folder / "a" / "b" / "out.csv").write_text("x")

    with sandbox() as box:
        run, _ = invoke(box, [box.root], _toy(nested))
        assert problems(run, set(), ["a/b/out.csv"]) == []
        assert problems(run, set(), ["elsewhere.csv"]) != []
