"""Killing a write of an output folder at any instant, or running four at once, never loses
one of a person's files.

An earlier output holds 100 files of a person's (in folders of their own, inside the tool's
folders, at the top; binary; private modes; a link; an empty folder). A process replacing it
(a forked process, `tree_driver.Writer`, ~200 files) is killed: with SIGKILL just before each chosen change it
makes to the disk (every instant between two system calls can be chosen), and with SIGKILL,
SIGTERM, SIGINT and SIGINT twice after random delays; `balancer render` itself is killed
too. Then a write runs to completion, and every file of the person's must be there with its
bytes and mode, the tool's files must be the new ones, and nothing may be left beside the
folder.

The default run takes ~25 s: 100 kill instants (spread over the ~1,200 changes of a write,
plus 25 at random), 10 signals of each kind at random delays, 5 rounds of four writers at
once, 5 rounds of four writers two of which are killed, 3 kills of `balancer render`. For a
release check, run more (BALANCER_KILL_LOOPS=12 kills the write at every one of its changes
in turn; the rest scale alike):

    BALANCER_KILL_LOOPS=12 python -m pytest tests/io/test_tree_kills.py

The writes go to a tmpfs (/dev/shm) where there is one: renames, hard links and locks
behave there as on a disk, and the loops are not bound by the disk's speed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from balancer.io.atomic import MANIFEST, write_tree
from tests.io.tree_driver import Writer, files

LOOPS = max(1, int(os.environ.get("BALANCER_KILL_LOOPS", "1")))
FILES = 200
Snapshot = dict[str, tuple[int, bytes | str]]


def _persons_files(out: Path) -> Snapshot:
    """Add 100 files of a person's to the earlier output `out`; what they are."""
    rng = random.Random(7)
    made: list[Path] = []
    for i in range(40):
        made.append(out / "mine" / f"d{i % 5}" / f"a{i}.txt")
    made += [out / "src" / "p0" / f"user{i}.py" for i in range(30)]
    made += [out / "src" / "p1" / "theirs" / f"u{i}" for i in range(10)]
    made += [out / f"user_top{i}.bin" for i in range(19)]
    for k, path in enumerate(made):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(rng.randrange(256) for _ in range(1 + k * 7 % 300)))
        path.chmod((0o600, 0o640, 0o644, 0o755, 0o400)[k % 5])
    (out / "user_link").symlink_to("src/p0")
    (out / "notes").mkdir(mode=0o700)
    return _entries(out, {str(p.relative_to(out)) for p in made} | {"user_link", "notes"})


def _entries(out: Path, names: set[str]) -> Snapshot:
    found: Snapshot = {}
    for name in names:
        path = out / name
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            found[name] = (st.st_mode, os.readlink(path))
        elif stat.S_ISDIR(st.st_mode):
            found[name] = (st.st_mode, "")
        else:
            found[name] = (st.st_mode, path.read_bytes())
    return found


def _check(out: Path, mine: Snapshot, seed: int) -> None:
    """The person's files all there, unchanged; the tool's are run `seed`'s; nothing beside."""
    missing = [name for name in mine if not os.path.lexists(out / name)]
    assert not missing, f"{len(missing)} of the person's files lost, e.g. {missing[:3]}"
    assert _entries(out, set(mine)) == mine
    for rel, content in files(FILES, seed).items():
        data = content.encode() if isinstance(content, str) else content
        assert (out / rel).read_bytes() == data, rel
    assert not (out / "extra" / f"only-in-{(seed + 1) % 3}.txt").exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"], "leftovers beside"


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """A folder in memory (tmpfs) where there is one: renames, links and locks behave as on
    a disk, and the loops take seconds, not minutes, on a slow disk."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=shm, prefix="balancer-kills-") as name:
        yield Path(name)


@pytest.fixture
def earlier(folder: Path) -> tuple[Path, Snapshot]:
    out = folder / "out"
    write_tree(out, files(FILES, 0))
    return out, _persons_files(out)


def test_a_kill_before_each_change_of_the_write_loses_nothing(
    earlier: tuple[Path, Snapshot],
) -> None:
    out, mine = earlier
    code, said = Writer(out, FILES, 1).wait()
    assert code == 0
    changes = int(said.split()[-1])
    assert changes > FILES  # every file, the person's links, the renames
    rng = random.Random(1)
    count = min(changes, 100 * LOOPS)
    instants = sorted(
        {1 + (changes - 1) * k // max(1, count - 1) for k in range(count)}
        | {rng.randrange(1, changes + 1) for _ in range(count // 4)}
    )
    for seed, instant in enumerate(instants, start=2):
        code, _ = Writer(out, FILES, seed, instant).wait()
        assert code == -signal.SIGKILL, f"not killed at change {instant}"
        write_tree(out, files(FILES, seed))  # the next run recovers, then writes
        _check(out, mine, seed)


@pytest.mark.parametrize("at", [0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
def test_a_folder_removed_after_a_kill_is_written_again(
    earlier: tuple[Path, Snapshot], at: float
) -> None:
    """Killed while it copied the person's files (leaving `.out.new-*`), then the person
    removes the output (`rm -rf out`): the next write succeeds, its folder an output with a
    manifest, and nothing is left beside it."""
    out, _ = earlier
    code, said = Writer(out, FILES, 1).wait()
    assert code == 0
    code, _ = Writer(out, FILES, 2, int(int(said.split()[-1]) * at)).wait()
    assert code == -signal.SIGKILL
    shutil.rmtree(out, ignore_errors=True)  # missing already when killed between renames
    write_tree(out, files(FILES, 3))
    assert _holds(out, 3)
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"], "leftovers beside"


@pytest.mark.parametrize(
    "signals",
    [
        pytest.param((signal.SIGKILL,), id="SIGKILL"),
        pytest.param((signal.SIGTERM,), id="SIGTERM"),
        pytest.param((signal.SIGINT,), id="SIGINT"),
        pytest.param((signal.SIGINT, signal.SIGINT), id="Ctrl-C-twice"),
    ],
)
def test_a_signal_at_a_random_instant_loses_nothing(
    earlier: tuple[Path, Snapshot], signals: tuple[int, ...]
) -> None:
    out, mine = earlier
    rng = random.Random(sum(signals))
    timed = Writer(out, FILES, 1)
    assert timed.ready()
    ready = time.monotonic()
    assert timed.wait()[0] == 0
    window = time.monotonic() - ready
    for seed in range(2, 2 + 10 * LOOPS):
        run = Writer(out, FILES, seed)
        assert run.ready()
        time.sleep(rng.uniform(0, window * 1.2))
        for sig in signals:
            run.signal(sig)
            time.sleep(rng.uniform(0, window / 10))
        code, _ = run.wait()
        assert code in (0, 1, 128 + signals[0], -signals[0])
        write_tree(out, files(FILES, seed))
        _check(out, mine, seed)


def test_four_writers_at_once_take_turns_and_lose_nothing(
    earlier: tuple[Path, Snapshot],
) -> None:
    out, mine = earlier
    for round_ in range(5 * LOOPS):
        seeds = [10 * round_ + k for k in range(1, 5)]
        runs = [Writer(out, FILES, seed) for seed in seeds]
        assert [run.wait()[0] for run in runs] == [0, 0, 0, 0]
        whole = [s for s in seeds if _holds(out, s)]
        assert len(whole) == 1, "the folder holds a mix of runs"
        _check(out, mine, whole[0])


def _holds(out: Path, seed: int) -> bool:
    """Whether `out` holds exactly the files of run `seed`."""
    expected = files(FILES, seed)
    if json_files(out) != sorted(expected):
        return False
    return all(
        (out / rel).read_bytes() == (data.encode() if isinstance(data, str) else data)
        for rel, data in expected.items()
    )


def test_writers_killed_while_others_write_lose_nothing(
    earlier: tuple[Path, Snapshot],
) -> None:
    out, mine = earlier
    rng = random.Random(4)
    for round_ in range(5 * LOOPS):
        runs = [Writer(out, FILES, 10 * round_ + k) for k in range(1, 5)]
        time.sleep(rng.uniform(0, 0.1))
        for run in runs[:2]:
            run.signal(signal.SIGKILL)
        for run in runs:
            run.wait()
        write_tree(out, files(FILES, 99))
        _check(out, mine, 99)


def json_files(out: Path) -> list[str]:
    listed: list[str] = json.loads((out / MANIFEST).read_text())["files"]
    return listed


def test_a_render_killed_at_random_instants_loses_nothing(tmp_path: Path, osipi_plan: Path) -> None:
    """The real command, killed by SIGTERM, SIGINT and SIGKILL after random delays."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "balancer.cli", "render", str(osipi_plan), "-o", str(out)]
    command += ["--mode", "workspace", "--connector-root", "/Workspace/c"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    mine = _persons_files(out)
    rendered = {rel: (out / rel).read_bytes() for rel in json_files(out)}
    started = time.monotonic()
    subprocess.run(command, capture_output=True, timeout=120, check=True)
    took = time.monotonic() - started
    rng = random.Random(3)
    for sig in [signal.SIGTERM, signal.SIGINT, signal.SIGKILL] * LOOPS:
        run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(took * 0.5, took))
        run.send_signal(sig)
        run.communicate(timeout=120)
        assert run.returncode in (0, 1, 128 + sig, -sig)  # done, Aborted!, ended, killed
        again = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        assert _entries(out, set(mine)) == mine
        assert {rel: (out / rel).read_bytes() for rel in json_files(out)} == rendered
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
