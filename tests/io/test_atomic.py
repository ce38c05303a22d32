"""The one output layer, function by function: what a file output and a folder output may
be, the file system's refusals as one message, permission bits kept, the inputs of a
command never written over, and the recovery of what a killed write left."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from balancer.errors import InputError
from balancer.io import carry as carry_module
from balancer.io import guard, tree, treelock
from balancer.io.atomic import MANIFEST, replacing, write_file, write_tree
from balancer.io.carry import carry, tool_files
from balancer.io.outpath import writable
from balancer.io.treelock import leftover_name, recover, tree_lock

Writer = Callable[[Path, str], None]


def _write_file(path: Path, text: str) -> None:
    write_file(path, text)


def _replacing(path: Path, text: str) -> None:
    with replacing(path) as fh:
        fh.write(text)


WRITERS = [pytest.param(_write_file, id="write_file"), pytest.param(_replacing, id="replacing")]


def _link_to_file(tmp: Path) -> Path:
    (tmp / "real.txt").write_text("real\n")
    (tmp / "out").symlink_to(tmp / "real.txt")
    return tmp / "out"


def _link_to_folder(tmp: Path) -> Path:
    (tmp / "private").mkdir(mode=0o700)
    (tmp / "out").symlink_to(tmp / "private")
    return tmp / "out"


def _dangling(tmp: Path) -> Path:
    (tmp / "out").symlink_to(tmp / "nowhere")
    return tmp / "out"


def _loop(tmp: Path) -> Path:
    (tmp / "out").symlink_to(tmp / "out")
    return tmp / "out"


def _folder(tmp: Path) -> Path:
    (tmp / "out").mkdir()
    (tmp / "out" / "mine.txt").write_text("mine\n")
    return tmp / "out"


def _fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "out")
    return tmp / "out"


def _socket(tmp: Path) -> Path:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp / "out"))
    sock.close()
    return tmp / "out"


def _device(tmp: Path) -> Path:
    return Path("/dev/null")


def _link_to_device(tmp: Path) -> Path:
    (tmp / "out").symlink_to("/dev/null")
    return tmp / "out"


NOT_A_FILE = [
    pytest.param(_link_to_file, "a symbolic link", id="link-to-file"),
    pytest.param(_link_to_folder, "a symbolic link", id="link-to-folder"),
    pytest.param(_dangling, "a symbolic link", id="dangling-link"),
    pytest.param(_loop, "a symbolic link", id="link-loop"),
    pytest.param(_folder, "a folder", id="folder"),
    pytest.param(_fifo, "a named pipe", id="fifo"),
    pytest.param(_socket, "a socket", id="socket"),
    pytest.param(_device, "a device", id="device"),
    pytest.param(_link_to_device, "a symbolic link", id="link-to-device"),
]


def _snapshot(root: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every entry under `root` (links not followed): its mode and its bytes or link text."""
    out: dict[str, tuple[int, bytes | str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                out[str(path.relative_to(root))] = (st.st_mode, os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                out[str(path.relative_to(root))] = (st.st_mode, path.read_bytes())
            else:
                out[str(path.relative_to(root))] = (st.st_mode, b"")
    return out


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize(("make", "kind"), NOT_A_FILE)
def test_a_file_output_is_only_ever_a_regular_file(
    tmp_path: Path, writer: Writer, make: Callable[[Path], Path], kind: str
) -> None:
    target = make(tmp_path)
    before = _snapshot(tmp_path)
    with pytest.raises(InputError, match=kind) as caught:
        writer(target, "new\n")
    assert str(target) in str(caught.value)
    assert _snapshot(tmp_path) == before  # nothing replaced, no temporary file left


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444, 0o755])
def test_a_replaced_file_keeps_its_permission_bits(
    tmp_path: Path, writer: Writer, mode: int
) -> None:
    target = tmp_path / "plan.json"
    target.write_text("old\n")
    target.chmod(mode)
    writer(target, "new\n")
    assert target.read_text() == "new\n" and stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.parametrize("writer", WRITERS)
def test_a_new_file_gets_the_default_mode(tmp_path: Path, writer: Writer) -> None:
    mask = os.umask(0o027)
    try:
        writer(tmp_path / "new" / "plan.json", "x\n")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new" / "plan.json").stat().st_mode) == 0o640


FAILURES = [
    pytest.param(errno.ENOSPC, "No space left", "free some space", id="ENOSPC"),
    pytest.param(errno.EDQUOT, "quota", "quota", id="EDQUOT"),
    pytest.param(errno.EROFS, "Read-only file system", "read-only", id="EROFS"),
    pytest.param(errno.EACCES, "Permission denied", "folder you can write to", id="EACCES"),
    pytest.param(errno.ENAMETOOLONG, "File name too long", "shorter path", id="ENAMETOOLONG"),
    pytest.param(errno.ELOOP, "symbolic links", "loop", id="ELOOP"),
]


@pytest.fixture
def failing_replace(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    """Make the final rename fail with an errno (the disk refusing at the last instant)."""

    def arm(code: int) -> None:
        def refuse(*args: object, **kwargs: object) -> None:
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(os, "replace", refuse)
        monkeypatch.setattr(os, "rename", refuse)

    yield arm


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize(("code", "said", "fix"), FAILURES)
def test_the_file_system_refusing_is_one_message_and_nothing_changes(
    tmp_path: Path,
    writer: Writer,
    failing_replace: Callable[[int], None],
    code: int,
    said: str,
    fix: str,
) -> None:
    target = tmp_path / "runs.csv"
    target.write_text("old\n")
    failing_replace(code)
    with pytest.raises(InputError) as caught:
        writer(target, "new\n")
    message = str(caught.value)
    assert said.lower() in message.lower() and fix in message and str(target) in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.csv"]
    assert target.read_text() == "old\n"


@pytest.mark.parametrize(("code", "said", "fix"), FAILURES)
def test_a_folder_output_the_file_system_refuses_is_left_as_it_was(
    tmp_path: Path, failing_replace: Callable[[int], None], code: int, said: str, fix: str
) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "1\n", "sub/b.txt": "2\n"})
    (out / "mine.txt").write_text("mine\n")
    before = _snapshot(tmp_path)
    failing_replace(code)
    with pytest.raises(InputError) as caught:
        write_tree(out, {"a.txt": "changed\n"})
    assert fix in str(caught.value) and said.lower() in str(caught.value).lower()
    assert _snapshot(tmp_path) == before


def test_a_name_too_long_is_one_message(tmp_path: Path) -> None:
    for path in (tmp_path / ("x" * 300), tmp_path / ("x" * 300) / "plan.json"):
        with pytest.raises(InputError, match="File name too long"):
            write_file(path, "x\n")
        with pytest.raises(InputError, match="File name too long"):
            write_tree(path, {"a.txt": "x\n"})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["a\0b", "dir\0/x"])
def test_a_nul_in_the_path_is_one_message(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="NUL byte"):
        write_file(tmp_path / name, "x\n")
    with pytest.raises(InputError, match="NUL byte"):
        write_tree(tmp_path / name, {"a.txt": "x\n"})
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_the_path_is_one_message(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x\n")
    with pytest.raises(InputError, match="is a file, not a folder"):
        write_file(tmp_path / "file" / "plan.json", "x\n")


NOT_A_FOLDER = [
    pytest.param(_link_to_folder, "a symbolic link", id="link-to-folder"),
    pytest.param(_dangling, "a symbolic link", id="dangling-link"),
    pytest.param(_loop, "a symbolic link", id="link-loop"),
    pytest.param(_link_to_file, "a symbolic link", id="link-to-file"),
    pytest.param(lambda tmp: tmp / "real.txt", "a file", id="file"),
    pytest.param(_fifo, "a named pipe", id="fifo"),
    pytest.param(_device, "a device", id="device"),
    pytest.param(_folder, "holds no earlier output", id="someone's-folder"),
    pytest.param(lambda tmp: Path("/"), "root", id="root"),
]


@pytest.mark.parametrize(("make", "kind"), NOT_A_FOLDER)
def test_a_folder_output_is_only_a_new_folder_or_an_earlier_output(
    tmp_path: Path, make: Callable[[Path], Path], kind: str
) -> None:
    (tmp_path / "real.txt").write_text("real\n")
    target = make(tmp_path)
    before = _snapshot(tmp_path)
    with pytest.raises(InputError, match=kind):
        write_tree(target, {"a.txt": "x\n"})
    assert _snapshot(tmp_path) == before


def test_a_link_to_an_earlier_output_in_a_private_folder_is_refused_and_kept(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path / "private", {"a.txt": "1\n"})
    (tmp_path / "private").chmod(0o700)
    (tmp_path / "out").symlink_to(tmp_path / "private")
    with pytest.raises(InputError, match="symbolic link"):
        write_tree(tmp_path / "out", {"a.txt": "2\n"})
    assert stat.S_IMODE((tmp_path / "private").stat().st_mode) == 0o700
    assert (tmp_path / "private" / "a.txt").read_text() == "1\n"


@pytest.mark.parametrize("mode", [0o700, 0o750, 0o755])
def test_a_replaced_folder_keeps_its_permission_bits_and_those_inside(
    tmp_path: Path, mode: int
) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "1\n", "src/b.py": "2\n"})
    out.chmod(mode)
    (out / "src").chmod(0o710)
    (out / "a.txt").chmod(0o600)
    (out / "notes").mkdir(mode=0o700)
    (out / "notes" / "n.txt").write_text("mine\n")
    (out / "notes" / "n.txt").chmod(0o400)
    write_tree(out, {"a.txt": "one\n", "src/b.py": "two\n"})
    modes = {p: stat.S_IMODE(os.lstat(out / p).st_mode) for p in ("", "src", "a.txt", "notes")}
    assert modes == {"": mode, "src": 0o710, "a.txt": 0o600, "notes": 0o700}
    assert stat.S_IMODE((out / "notes" / "n.txt").stat().st_mode) == 0o400
    assert (out / "a.txt").read_text() == "one\n" and (out / "notes/n.txt").read_text() == "mine\n"


@pytest.mark.parametrize(
    "name", ["../x", "/abs", "a/../../b", "", "a//b", "./a", "a/.", "a\\b", "x\0y", MANIFEST]
)
def test_a_file_name_that_leaves_the_folder_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="leaves its folder"):
        write_tree(tmp_path / "out", {"ok.txt": "x\n", name: "y\n"})
    assert list(tmp_path.iterdir()) == []


def test_a_persons_file_folder_and_links_are_carried_with_their_bytes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "1\n", "src/b.py": "2\n", "old/c.txt": "3\n"})
    (out / "src" / "mine.py").write_bytes(b"\x00\xffmine")
    (out / "deep" / "er").mkdir(parents=True)
    (out / "deep" / "er" / "x.bin").write_bytes(b"x" * 1000)
    (out / "empty").mkdir()
    (out / "link").symlink_to("a.txt")
    (out / "dangling").symlink_to("/nowhere")
    os.mkfifo(out / "pipe")
    mine = {k: v for k, v in _snapshot(out).items() if k not in {"a.txt", "src/b.py", MANIFEST}}
    mine = {k: v for k, v in mine.items() if not k.startswith("old")}
    write_tree(out, {"a.txt": "one\n", "src/b.py": "two\n"})
    after = _snapshot(out)
    assert {k: after[k] for k in mine} == mine
    assert not (out / "old").exists()  # the earlier output's folder, no longer written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no leftover, no lock


def test_a_new_file_where_a_persons_file_stands_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "1\n"})
    (out / "src").write_text("a file named like a folder of the new output\n")
    before = _snapshot(tmp_path)
    with pytest.raises(InputError, match="src was not written by lakeflow-balancer"):
        write_tree(out, {"a.txt": "1\n", "src/b.py": "2\n"})
    assert _snapshot(tmp_path) == before


class TestInputs:
    """The registry of a command's inputs, and the writers refusing to write onto one."""

    def test_outside_a_command_nothing_is_an_input(self, tmp_path: Path) -> None:
        target = tmp_path / "plan.json"
        target.write_text("{}\n")
        guard.note_input(target)
        write_file(target, "new\n")  # the Python API: read then write back is allowed
        assert target.read_text() == "new\n"

    @pytest.mark.parametrize(
        "spelling",
        [
            pytest.param(lambda p: p, id="same-path"),
            pytest.param(lambda p: p.parent / "." / p.name, id="dot"),
            pytest.param(lambda p: p.parent / "sub" / ".." / p.name, id="dot-dot"),
            pytest.param(lambda p: Path(os.path.relpath(p)), id="relative"),
            pytest.param(lambda p: p.parent / "via" / p.name, id="linked-folder"),
            pytest.param(lambda p: p.parent / "hard.csv", id="hard-link"),
        ],
    )
    @pytest.mark.parametrize("writer", WRITERS)
    def test_an_input_is_never_written_over(
        self, tmp_path: Path, spelling: Callable[[Path], Path], writer: Writer
    ) -> None:
        source = tmp_path / "runs.csv"
        source.write_text("table\n")
        (tmp_path / "sub").mkdir()
        (tmp_path / "via").symlink_to(tmp_path)
        os.link(source, tmp_path / "hard.csv")
        with guard.command_scope():
            guard.note_input(source)
            with pytest.raises(InputError, match="also an input") as caught:
                writer(spelling(source), "new\n")
        assert "choose another output path" in str(caught.value)
        assert source.read_text() == "table\n"

    def test_each_command_starts_with_no_inputs(self, tmp_path: Path) -> None:
        source = tmp_path / "runs.csv"
        source.write_text("table\n")
        with guard.command_scope():
            guard.note_input(source)
            with guard.command_scope():  # nested: the same command
                assert guard.is_input(source)
        with guard.command_scope():
            assert not guard.is_input(source)
            write_file(source, "new\n")
        assert source.read_text() == "new\n"

    def test_an_update_on_purpose_is_allowed(self, tmp_path: Path) -> None:
        source = tmp_path / "plan.json"
        source.write_text("old\n")
        with guard.command_scope():
            guard.note_input(source)
            write_file(source, "new\n", replaces_input=True)
        assert source.read_text() == "new\n"

    @pytest.mark.parametrize("inside", ["a.txt", "src/b.py", MANIFEST])
    def test_a_folder_is_not_replaced_over_an_input_it_wrote(
        self, tmp_path: Path, inside: str
    ) -> None:
        out = tmp_path / "out"
        write_tree(out, {"a.txt": "1\n", "src/b.py": "2\n"})
        before = _snapshot(tmp_path)
        with guard.command_scope():
            guard.note_input(out / inside)
            with pytest.raises(InputError, match=f"{inside} is an input of this command"):
                write_tree(out, {"a.txt": "new\n"})
        assert _snapshot(tmp_path) == before

    def test_an_input_a_person_added_is_carried_untouched(self, tmp_path: Path) -> None:
        out = tmp_path / "out"
        write_tree(out, {"a.txt": "1\n"})
        (out / "mine").mkdir()
        (out / "mine" / "plan.json").write_text("{}\n")
        with guard.command_scope():
            guard.note_input(out / "mine" / "plan.json")
            write_tree(out, {"a.txt": "2\n"})
        assert (out / "mine" / "plan.json").read_text() == "{}\n"


class TestRecovery:
    """What a killed write leaves beside the folder, put back before anything is deleted."""

    def _earlier(self, tmp_path: Path) -> Path:
        out = tmp_path / "out"
        write_tree(out, {"a.txt": "1\n", "src/b.py": "2\n"})
        (out / "src" / "mine.py").write_text("mine\n")
        (out / "notes").mkdir()
        (out / "notes" / "n.txt").write_text("notes\n")
        return out

    def test_a_folder_killed_between_its_renames_comes_back(self, tmp_path: Path) -> None:
        out = self._earlier(tmp_path)
        before = _snapshot(out)
        staging = leftover_name(out, "new")
        staging.mkdir()
        (staging / MANIFEST).write_text('{"files": ["a.txt"]}\n')
        out.rename(leftover_name(out, "old"))
        recover(out, locked=True)
        assert _snapshot(out) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]

    def test_a_persons_files_left_in_the_old_folder_are_carried(self, tmp_path: Path) -> None:
        out = self._earlier(tmp_path)
        old = leftover_name(out, "old")
        out.rename(old)
        write_tree(out, {"a.txt": "new\n"})  # it recovers: old is the only copy
        assert (out / "src" / "mine.py").read_text() == "mine\n"
        assert (out / "notes" / "n.txt").read_text() == "notes\n"
        assert (out / "a.txt").read_text() == "new\n" and not (out / "src" / "b.py").exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]

    def test_an_old_folder_half_removed_keeps_its_manifest(self, tmp_path: Path) -> None:
        out = self._earlier(tmp_path)
        old = leftover_name(out, "old")
        out.rename(old)
        (old / "a.txt").unlink()  # removal cut short: the manifest is removed last
        write_tree(out, {"x.txt": "new\n"})
        assert not (out / "src" / "b.py").exists()  # the tool's old file stays the tool's
        assert (out / "src" / "mine.py").read_text() == "mine\n"

    def test_a_leftover_whose_file_cannot_go_back_is_kept(self, tmp_path: Path) -> None:
        out = self._earlier(tmp_path)
        old = leftover_name(out, "old")
        out.rename(old)
        write_tree(tmp_path / "other", {"a.txt": "1\n", "notes/n.txt": "the tool's now\n"})
        (tmp_path / "other").rename(out)  # a newer output whose own file stands there
        recover(out, locked=True)
        assert old.exists() and (old / "notes" / "n.txt").read_text() == "notes\n"

    def test_unlocked_runs_leave_the_leftovers_of_live_processes(self, tmp_path: Path) -> None:
        out = self._earlier(tmp_path)
        mine = out.parent / f".out.new-{os.getpid()}-ff"
        mine.mkdir()
        recover(out, locked=False)
        assert mine.exists()
        recover(out, locked=True)
        assert not mine.exists()

    def test_carry_reports_what_cannot_go(self, tmp_path: Path) -> None:
        src, dst = tmp_path / "src", tmp_path / "dst"
        for folder in (src, dst):
            folder.mkdir()
        (src / "x").write_text("mine\n")
        (src / "d").mkdir()
        (src / "d" / "f").write_text("mine\n")
        (dst / "x").write_text("tool\n")
        (dst / "d").write_text("a file where a folder goes\n")
        assert carry(src, set(), dst, taken={"x"}) == ["d", "x"]
        assert tool_files(dst) is None


NAMES = st.sampled_from(["a", "b", "src", "x.py", "notes", "Ä", "名", ".hidden", "a b"])
RELS = st.lists(NAMES, min_size=1, max_size=3).map("/".join)


@settings(max_examples=40, deadline=None)
@given(
    first=st.dictionaries(RELS, st.binary(max_size=20), min_size=1, max_size=6),
    second=st.dictionaries(RELS, st.binary(max_size=20), min_size=1, max_size=6),
    mine=st.dictionaries(
        RELS.map(lambda r: f"mine/{r}"),
        st.tuples(st.binary(max_size=20), st.sampled_from([0o600, 0o644, 0o755, 0o400])),
        max_size=6,
    ),
)
def test_a_replacement_keeps_every_persons_file_or_changes_nothing(
    first: dict[str, bytes], second: dict[str, bytes], mine: dict[str, tuple[bytes, int]]
) -> None:
    """For any earlier output, any files a person added and any new output: the folder ends
    as the new output plus every person's file (bytes and mode), or the write is refused
    and nothing changed."""
    with tempfile.TemporaryDirectory() as name:
        out = Path(name) / "out"
        try:
            write_tree(out, dict(first))
        except InputError:
            return  # a file and a folder of one name: refused, nothing written
        added = {}
        for rel, (data, mode) in mine.items():
            path = out / rel
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            except OSError:
                continue  # a name already a folder (or a file where a folder goes)
            path.chmod(mode)
            added[rel] = (data, mode)
        before = _snapshot(Path(name))
        try:
            write_tree(out, dict(second))
        except InputError:
            assert _snapshot(Path(name)) == before
            return
        for rel, (data, mode) in added.items():
            if (out / rel).is_file():
                assert (out / rel).read_bytes() == data
                assert stat.S_IMODE((out / rel).stat().st_mode) == mode
            else:  # a later file of the person's stands where this one was (same name)
                raise AssertionError(f"{rel} lost")
        for rel, data in second.items():
            assert (out / rel).read_bytes() == data
        assert sorted(p.name for p in Path(name).iterdir()) == ["out"]


def test_a_run_waits_its_turn_and_is_refused_after_a_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "1\n"})
    monkeypatch.setattr(treelock, "WAIT_S", 0.2)
    with tree_lock(out) as locked:  # another run holds the folder
        assert locked
        with pytest.raises(InputError, match="another run is writing this folder"):
            write_tree(out, {"a.txt": "2\n"})
    assert (out / "a.txt").read_text() == "1\n"
    write_tree(out, {"a.txt": "3\n"})  # its turn now
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # the lock file gone


def test_the_lock_file_is_removed_by_its_holder_and_a_left_one_reused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with tree_lock(out):
        lock = tmp_path / ".out.lfb-lock"
        assert lock.exists()
    assert not lock.exists()
    lock.write_text("")  # a lock file a killed run left: used, then removed
    with tree_lock(out) as locked:
        assert locked
    assert not lock.exists()


def test_the_lock_wait_says_another_run_writes_and_never_to_remove_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Removing the lock file while its holder runs would let two runs write at once (and a
    dead holder never blocks: the kernel releases its lock)."""
    out = tmp_path / "out"
    monkeypatch.setattr(treelock, "WAIT_S", 0.1)
    with tree_lock(out), pytest.raises(InputError) as caught:
        write_tree(out, {"a.txt": "2\n"})
    said = str(caught.value)
    assert "another run is writing this folder" in said and "wait" in said
    assert "remove" not in said and ".lfb-lock" not in said


Spy = Callable[..., list[str]]


def _during(monkeypatch: pytest.MonkeyPatch, act: Callable[[], None]) -> None:
    """Run `act` (a person working in the folder) right after the first carry of the next
    write, i.e. between the copy of the person's files and the swap."""
    real: Spy = tree.carry
    calls: list[int] = []

    def spy(src: Path, tool: set[str] | None, dst: Path, taken: set[str], **kw: bool) -> list[str]:
        found = real(src, tool, dst, taken, **kw)
        calls.append(1)
        if len(calls) == 1:
            act()
        return found

    monkeypatch.setattr(tree, "carry", spy)


def _rename_over(path: Path, text: str) -> None:
    """How editors save: a new file, renamed over the old one."""
    (path.parent / f".{path.name}.swp").write_text(text)
    os.replace(path.parent / f".{path.name}.swp", path)


def _in_place(path: Path, text: str) -> None:
    path.write_text(text)


def _no_hard_links(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise OSError(errno.EPERM, "no hard links on this disk")

    monkeypatch.setattr(carry_module.os, "link", refuse)


@pytest.mark.parametrize("links", [True, False], ids=["hard-links", "copies"])
@pytest.mark.parametrize("save", [_rename_over, _in_place], ids=["rename-over", "in-place"])
@pytest.mark.parametrize("rel", ["notes.txt", "mine/deep/notes.txt"])
def test_an_edit_saved_during_a_write_is_kept(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    links: bool,
    save: Callable[[Path, str], None],
    rel: str,
) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "tool\n"})
    (out / rel).parent.mkdir(parents=True, exist_ok=True)
    (out / rel).write_text("v1\n")
    if not links:
        _no_hard_links(monkeypatch)
    _during(monkeypatch, lambda: save(out / rel, "v2 - my edit, longer\n"))
    write_tree(out, {"a.txt": "tool2\n"})
    assert (out / rel).read_text() == "v2 - my edit, longer\n"
    assert (out / "a.txt").read_text() == "tool2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("rel", ["b.txt", "src/b.py"])
def test_a_file_added_during_a_write_where_a_new_file_goes_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rel: str
) -> None:
    """The person's file is never hidden or deleted: the write is refused, naming it, and
    the folder stays the earlier output with the file in it."""
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "tool\n", "src/x.py": "x\n"})

    def add() -> None:
        (out / rel).write_text("mine, written during the render\n")

    _during(monkeypatch, add)
    with pytest.raises(InputError, match=f"{rel} was not written by lakeflow-balancer"):
        write_tree(out, {"a.txt": "tool2\n", rel: "tool's\n"})
    assert (out / rel).read_text() == "mine, written during the render\n"
    assert (out / "a.txt").read_text() == "tool\n"
    assert tool_files(out) == {"a.txt", "src/x.py"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    monkeypatch.undo()
    (out / rel).unlink()
    write_tree(out, {"a.txt": "tool2\n", rel: "tool's\n"})  # once moved away, it is written
    assert (out / rel).read_text() == "tool's\n"


@pytest.mark.parametrize(
    "name",
    [
        ".notes.txt.lfb-part-5",
        "mine/.a.lfb-part-123",
        pytest.param(f".x.lfb-part-{os.getpid()}", id="this-pid"),
    ],
)
def test_a_persons_file_named_like_a_half_copy_is_kept(tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "tool\n"})
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    (out / name).write_text("mine\n")
    write_tree(out, {"a.txt": "tool2\n"})
    write_tree(out, {"a.txt": "tool3\n"})
    assert (out / name).read_text() == "mine\n"


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param(f'{{"files": {DEEP}}}'.encode(), id="100000-deep"),
        pytest.param(b'{"files": ["a.txt"]}' + b"\xff", id="not-UTF-8"),
        pytest.param(b'["a.txt"]', id="a-list"),
        pytest.param(b'{"files": "a.txt"}', id="files-a-string"),
        pytest.param(b'{"files": [["a.txt"]]}', id="files-not-names"),
        pytest.param(b'{"files": ["a.txt"], "files": []}', id="a-key-twice"),
        pytest.param(b'{"files": [NaN]}', id="NaN"),
    ],
)
def test_an_unreadable_manifest_is_no_earlier_output(tmp_path: Path, manifest: bytes) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "tool\n"})
    (out / MANIFEST).write_bytes(manifest)
    before = _snapshot(tmp_path)
    with pytest.raises(InputError, match="holds no earlier output") as caught:
        write_tree(out, {"a.txt": "tool2\n"})
    assert "symbolic links" not in str(caught.value)
    assert _snapshot(tmp_path) == before
    assert tool_files(out) is None


def test_only_pathlibs_link_loop_is_said_to_be_a_loop(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="loop of symbolic links"), writable(tmp_path):
        raise RuntimeError(f"Symlink loop from '{tmp_path}'")
    with pytest.raises(RuntimeError, match="something else"), writable(tmp_path):
        raise RuntimeError("something else")


def _killed_after_the_first_carry(out: Path) -> Path:
    """What a run killed right after it copied the person's files leaves: `.out.new-*`
    (its manifest, its files, hard links to the person's), the folder untouched."""
    staging = leftover_name(out, "new")
    staging.mkdir(mode=0o700)
    (staging / MANIFEST).write_text('{"tool": "lakeflow-balancer", "files": ["a.txt"]}\n')
    (staging / "a.txt").write_text("tool2\n")
    if (out / "notes.txt").exists():
        os.link(out / "notes.txt", staging / "notes.txt")
    return staging


def _removed(out: Path) -> None:
    shutil.rmtree(out)


def _removed_and_made_empty(out: Path) -> None:
    shutil.rmtree(out)
    out.mkdir()


@pytest.mark.parametrize("persons", [True, False], ids=["with-a-persons-file", "tool-only"])
@pytest.mark.parametrize("then", [_removed, _removed_and_made_empty])
def test_a_folder_removed_after_a_kill_is_written_again(
    tmp_path: Path, persons: bool, then: Callable[[Path], None]
) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "tool\n"})
    if persons:
        (out / "notes.txt").write_text("mine\n")
    _killed_after_the_first_carry(out)
    then(out)  # the person removes the output: `rm -rf out`
    write_tree(out, {"a.txt": "fresh\n"})
    assert (out / "a.txt").read_text() == "fresh\n"
    assert tool_files(out) == {"a.txt"}
    if persons:  # kept, never lost: its only copy was in the leftover
        assert (out / "notes.txt").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_leftovers_files_never_go_into_a_folder_that_is_no_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "tool\n"})
    (out / "notes.txt").write_text("mine\n")
    staging = _killed_after_the_first_carry(out)
    shutil.rmtree(out)
    out.mkdir()
    (out / "project.txt").write_text("a person's folder now\n")
    with pytest.raises(InputError, match="holds no earlier output"):
        write_tree(out, {"a.txt": "fresh\n"})
    assert sorted(p.name for p in out.iterdir()) == ["project.txt"]
    assert (staging / "notes.txt").read_text() == "mine\n"  # kept for a later run
