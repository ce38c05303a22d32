"""Every command's outputs, through the one output layer: never onto an input of the same
command (any spelling of it), never a link, a loop, a device, a folder where a file goes, a
person's folder; the file system's refusals one message. Each row: exit 2, one `error:`
line, no traceback, and nothing under the test's folder changed (inputs and outputs)."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from balancer.cli import main
from balancer.io.atomic import write_tree
from tests.helpers import EXAMPLES
from tests.test_eventlog import sample

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "connectors" / "flat" / "shop_source.py"
Args = Callable[[Path], list[str]]


@pytest.fixture
def folder(tmp_path: Path, osipi_plan: Path) -> Path:
    """The inputs of every command, and an earlier proposal (prop/) and render (ren/)."""
    for name in ("tables.csv", "runs.csv"):
        shutil.copy(EXAMPLES / "osipi" / name, tmp_path / name)
    shutil.copy(osipi_plan, tmp_path / "plan.json")
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in sample()))
    plan = (tmp_path / "plan.json").read_text()
    write_tree(tmp_path / "prop", {"plan.json": plan, "diff.md": "# moves\n"})
    write_tree(tmp_path / "ren", {"databricks.yml": "bundle: {}\n"})
    os.link(tmp_path / "tables.csv", tmp_path / "hard.csv")
    shutil.copy(SHOP, tmp_path / "shop_source.py")
    (tmp_path / "prefix.json").write_text('{"gift": "payments"}')
    return tmp_path


def _snapshot(root: Path) -> dict[str, tuple[int, bytes | str]]:
    out: dict[str, tuple[int, bytes | str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                content: bytes | str = os.readlink(path)
            else:
                content = path.read_bytes() if stat.S_ISREG(st.st_mode) else b""
            out[str(path.relative_to(root))] = (stat.S_IMODE(st.st_mode), content)
    return out


def _refused(folder: Path, args: list[str], words: str) -> Result:
    """Run; exit 2 with one message holding `words`; nothing under `folder` changed."""
    before = _snapshot(folder)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    errors = [line for line in lines if line.startswith(("error:", "Error:"))]  # ours, click's
    assert len(errors) == 1 and re.search(words, result.output), result.output
    assert "Traceback" not in result.output
    assert _snapshot(folder) == before
    return result


SOLVE = ["solve", "-q", "--tables", "{tables.csv}", "--history", "{runs.csv}"]
WHATIF = ["whatif", "--tables", "{tables.csv}", "--history", "{runs.csv}"]
WHATIF += ["--sweep-pipelines", "3..3"]
REBALANCE = ["rebalance", "--plan", "{plan.json}", "--history", "{runs.csv}"]
RENDER = ["render", "{plan.json}", "--mode", "workspace", "--connector-root", "/Workspace/c"]
SYNTH = ["synth-history", "--tables", "{tables.csv}"]
EVENTS = ["history", "from-events", "{events.jsonl}"]
DISCOVER = ["discover", "{shop_source.py}", "--category-prefix-map-json", "{prefix.json}"]


def _args(template: list[str], folder: Path) -> list[str]:
    return [os.path.join(folder, a[1:-1]) if a.startswith("{") else a for a in template]


ONTO_INPUTS = [
    pytest.param(SOLVE, ["-o", "{tables.csv}"], id="solve-o-tables"),
    pytest.param(SOLVE, ["-o", "{runs.csv}"], id="solve-o-history"),
    pytest.param(SOLVE, ["-o", "{./runs.csv}"], id="solve-o-history-dot"),
    pytest.param(SOLVE, ["-o", "{hard.csv}"], id="solve-o-hard-link-of-tables"),
    pytest.param([*SOLVE, "--current", "{plan.json}"], ["-o", "{plan.json}"], id="solve-o-current"),
    pytest.param(SYNTH, ["-o", "{tables.csv}"], id="synth-history-o-tables"),
    pytest.param(SYNTH, ["-o", "{hard.csv}"], id="synth-history-o-hard-link"),
    pytest.param(WHATIF, ["--csv", "{tables.csv}"], id="whatif-csv-tables"),
    pytest.param(WHATIF, ["--csv", "{runs.csv}"], id="whatif-csv-history"),
    pytest.param(WHATIF, ["--html", "{runs.csv}"], id="whatif-html-history"),
    pytest.param(WHATIF, ["--html", "{tables.csv}"], id="whatif-html-tables"),
    pytest.param(WHATIF, ["--csv", "{x.csv}", "--html", "{runs.csv}"], id="whatif-second-output"),
    pytest.param(EVENTS, ["-o", "{events.jsonl}"], id="from-events-o-export"),
    pytest.param(DISCOVER, ["-o", "{shop_source.py}"], id="discover-o-connector"),
    pytest.param(DISCOVER, ["-o", "{prefix.json}"], id="discover-o-prefix-map"),
    pytest.param(REBALANCE, ["-o", "{runs.csv}"], id="rebalance-o-history"),
    pytest.param(RENDER, ["-o", "{plan.json}"], id="render-o-plan"),
    pytest.param(RENDER, ["-o", "{./plan.json}"], id="render-o-plan-dot"),
]


@pytest.mark.parametrize(("command", "output"), ONTO_INPUTS)
def test_no_output_is_written_onto_an_input(
    folder: Path, command: list[str], output: list[str]
) -> None:
    result = _refused(folder, _args(command + output, folder), "input|is a file")
    assert re.search("choose another output|is a file", result.output)


def test_a_proposal_never_replaces_the_plan_it_reads(folder: Path) -> None:
    """`rebalance --plan prop/plan.json -o prop` would replace the plan while saying "dry run:
    the plan is unchanged": refused (the user asked for a proposal beside the plan, not for
    the plan to go; writing the proposal elsewhere unasked would surprise more)."""
    for apply in ([], ["--apply"]):
        args = _args([*REBALANCE, "-o", "{prop}", *apply], folder)
        args[args.index("--plan") + 1] = str(folder / "prop" / "plan.json")
        _refused(folder, args, "plan.json is an input of this command")


def test_apply_never_writes_through_a_link(folder: Path) -> None:
    (folder / "link.json").symlink_to(folder / "plan.json")
    args = _args([*REBALANCE, "-o", "{new-prop}", "--apply"], folder)
    args[args.index("--plan") + 1] = str(folder / "link.json")
    _refused(folder, args, "symbolic link")


def test_an_input_a_person_keeps_in_an_earlier_output_is_carried(folder: Path) -> None:
    shutil.copy(folder / "runs.csv", folder / "prop" / "my-runs.csv")
    before = (folder / "prop" / "my-runs.csv").read_bytes()
    args = _args([*REBALANCE, "-o", "{prop}"], folder)
    args[args.index("--history") + 1] = str(folder / "prop" / "my-runs.csv")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (folder / "prop" / "my-runs.csv").read_bytes() == before


def _link_to(name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        if name == "other.txt":
            (folder / name).write_text("not an input\n")
        (folder / "link").symlink_to(folder / name)
        return folder / "link"

    return make


def _loop(folder: Path) -> Path:
    (folder / "loop").symlink_to(folder / "loop")
    return folder / "loop"


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "fifo")
    return folder / "fifo"


def _private_render(folder: Path) -> Path:
    """A link to an earlier output in a private folder (it must stay as it is, 0700)."""
    (folder / "ren").chmod(0o700)
    (folder / "link").symlink_to(folder / "ren")
    return folder / "link"


def _persons_folder(folder: Path) -> Path:
    (folder / "mine").mkdir()
    for name in ("tradeoff.png", "diff.md", "databricks.yml"):
        (folder / "mine" / name).write_text("a person's file of the same name\n")
    return folder / "mine"


FILE_OUTPUTS = [
    pytest.param(SOLVE, "-o", id="solve"),
    pytest.param(SYNTH, "-o", id="synth-history"),
    pytest.param(WHATIF, "--csv", id="whatif-csv"),
    pytest.param(WHATIF, "--html", id="whatif-html"),
    pytest.param(EVENTS, "-o", id="from-events"),
    pytest.param(DISCOVER, "-o", id="discover"),
]
NOT_FILES = [
    pytest.param(_link_to("other.txt"), "symbolic link", id="link-to-a-file"),
    pytest.param(_link_to("tables.csv"), "symbolic link|input", id="link-to-an-input"),
    pytest.param(_link_to("nowhere"), "symbolic link", id="dangling-link"),
    pytest.param(_loop, "symbolic link", id="link-loop"),
    pytest.param(lambda f: f / "prop", "a folder|is a directory", id="folder"),
    pytest.param(lambda f: Path("/dev/null"), "a device", id="dev-null"),
    pytest.param(_fifo, "named pipe", id="fifo"),
    pytest.param(lambda f: f / ("x" * 300), "File name too long", id="name-too-long"),
    pytest.param(lambda f: f / "tables.csv" / "x", "is a file, not a folder", id="under-a-file"),
]


@pytest.mark.parametrize(("command", "option"), FILE_OUTPUTS)
@pytest.mark.parametrize(("make", "words"), NOT_FILES)
def test_a_file_output_is_a_regular_file_or_nothing(
    folder: Path, command: list[str], option: str, make: Callable[[Path], Path], words: str
) -> None:
    _refused(folder, [*_args(command, folder), option, str(make(folder))], words)


FOLDER_OUTPUTS = [
    pytest.param(RENDER, "-o", id="render"),
    pytest.param(REBALANCE, "-o", id="rebalance"),
    pytest.param(WHATIF, "--charts-dir", id="whatif-charts-dir"),
]
NOT_FOLDERS = [
    pytest.param(_private_render, "symbolic link", id="link-to-a-private-earlier-output"),
    pytest.param(_link_to("nowhere"), "symbolic link", id="dangling-link"),
    pytest.param(_loop, "symbolic link", id="link-loop"),
    pytest.param(lambda f: f / "runs.csv", "input|is a file", id="an-input-file"),
    pytest.param(lambda f: f / "hard.csv", "input|is a file", id="a-hard-link-of-an-input"),
    pytest.param(lambda f: Path("/dev/null"), "a device", id="dev-null"),
    pytest.param(_fifo, "named pipe", id="fifo"),
    pytest.param(_persons_folder, "holds no earlier output", id="a-persons-folder"),
    pytest.param(lambda f: f / ("x" * 300), "File name too long", id="name-too-long"),
]


@pytest.mark.parametrize(("command", "option"), FOLDER_OUTPUTS)
@pytest.mark.parametrize(("make", "words"), NOT_FOLDERS)
def test_a_folder_output_is_a_new_folder_or_an_earlier_output(
    folder: Path, command: list[str], option: str, make: Callable[[Path], Path], words: str
) -> None:
    _refused(folder, [*_args(command, folder), option, str(make(folder))], words)
    assert stat.S_IMODE((folder / "ren").stat().st_mode) in (0o700, 0o777 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(
    ("command", "option"),
    [*FILE_OUTPUTS, pytest.param(RENDER, "-o", id="render")],
)
@pytest.mark.parametrize(
    ("code", "words"),
    [
        pytest.param(errno.EACCES, "Permission denied", id="read-only-folder"),
        pytest.param(errno.ENOSPC, "No space left", id="disk-full"),
        pytest.param(errno.EROFS, "Read-only file system", id="read-only-disk"),
    ],
)
def test_a_folder_the_disk_refuses_is_one_message(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
    option: str,
    code: int,
    words: str,
) -> None:
    (folder / "out").mkdir()
    real = tempfile.mkstemp

    def refuse(*args: object, **kwargs: object) -> object:
        if Path(str(kwargs.get("dir", ""))).name == "out":
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)  # type: ignore[call-overload]

    real_mkdir = os.mkdir

    def refuse_mkdir(path: object, *args: object, **kwargs: object) -> None:
        if Path(str(path)).parent.name == "out":
            raise OSError(code, os.strerror(code))
        real_mkdir(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(os, "mkdir", refuse_mkdir)
    target = folder / "out" / ("report.html" if option == "--html" else "result")
    _refused(folder, [*_args(command, folder), option, str(target)], words)


def test_html_into_a_read_only_folder_is_one_message(folder: Path) -> None:
    """A real read-only folder (0555). Root writes into one anyway, so under root (a CI
    container) the folder is made writable by nobody and the write must succeed instead;
    the refusal itself is proved for every user by the injected EACCES rows above."""
    (folder / "ro").mkdir(mode=0o555)
    args = [*_args(WHATIF, folder), "--html", str(folder / "ro" / "r.html")]
    if os.geteuid() == 0:
        assert CliRunner().invoke(main, args).exit_code == 0
        assert (folder / "ro" / "r.html").read_bytes().startswith(b"<")
    else:
        _refused(folder, args, "Permission denied")


def test_charts_never_overwrite_a_persons_file(folder: Path) -> None:
    charts = folder / "charts"
    args = [*_args(WHATIF, folder), "--charts-dir", str(charts)]
    assert CliRunner().invoke(main, args).exit_code == 0
    (charts / "mine.png").write_bytes(b"my own chart")
    assert CliRunner().invoke(main, args).exit_code == 0  # an earlier output: replaced
    assert (charts / "mine.png").read_bytes() == b"my own chart"
    assert (charts / "tradeoff.png").read_bytes()[:4] == b"\x89PNG"
