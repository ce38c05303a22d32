"""A process that replaces an output folder with `write_tree`, for the kill tests.

`Writer(out, count, seed, kill_at)` forks a child (a real process, started in
milliseconds: it shares what the test process has imported) that writes `count` files
(their bytes depend on `seed`) into `out`. With `kill_at`, the child kills itself with
SIGKILL just before its `kill_at`-th change to the disk (an open, a rename, a link, a mkdir,
a chmod, an unlink...), so a test can stop it at every instant in turn; without, it reports
how many changes the write made. SIGTERM ends it as it ends `balancer`
(`balancer.cli._terminate`); SIGINT raises KeyboardInterrupt.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
from pathlib import Path
from typing import Any

CHANGES = ("open", "rename", "replace", "link", "symlink", "mkdir", "chmod", "unlink", "rmdir")


def files(count: int, seed: int) -> dict[str, str | bytes]:
    """The output of run `seed`: nested files, one present only in some runs."""
    out: dict[str, str | bytes] = {"databricks.yml": f"bundle: run {seed}\n"}
    for i in range(count - 2):
        out[f"src/p{i % 7}/q{i % 3}/f{i}.py"] = f"# run {seed}, file {i}\n" * (1 + i % 4)
    out[f"extra/only-in-{seed % 3}.txt"] = bytes([seed % 256]) * 64
    return out


def _counting(kill_at: int | None) -> list[int]:
    """Count (and, at `kill_at`, die before) every change the process makes to the disk."""
    count = [0]

    def step() -> None:
        count[0] += 1
        if kill_at is not None and count[0] >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(function: Any) -> Any:
        def changed(*args: Any, **kwargs: Any) -> Any:
            step()
            return function(*args, **kwargs)

        return changed

    for name in CHANGES:
        setattr(os, name, wrap(getattr(os, name)))
    real_open = io.open

    def opened(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+"):
            step()
        return real_open(file, mode, *args, **kwargs)

    io.open = opened  # type: ignore[assignment]  # pathlib opens through io.open
    return count


class Writer:
    """One forked writer; `ready()` waits until its write starts, `wait()` for its end."""

    def __init__(self, out: Path, count: int, seed: int, kill_at: int | None = None) -> None:
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            os.close(read)
            self._child(write, out, count, seed, kill_at)
        os.close(write)
        self._pipe = os.fdopen(read, "rb")

    @staticmethod
    def _child(pipe: int, out: Path, count: int, seed: int, kill_at: int | None) -> None:
        code = 1
        try:
            from balancer.cli import _terminate
            from balancer.io.atomic import write_tree

            signal.signal(signal.SIGTERM, _terminate)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            content = files(count, seed)
            changes = _counting(kill_at)
            os.write(pipe, b"ready\n")
            write_tree(out, content)
            os.write(pipe, f"{changes[0]}\n".encode())
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            code = 1
        finally:
            os._exit(code)

    def ready(self) -> bool:
        return self._pipe.readline() == b"ready\n"

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # it had ended
            os.kill(self.pid, sig)

    def wait(self) -> tuple[int, str]:
        """Its exit code (minus the signal that killed it) and what it reported."""
        said = self._pipe.read().decode()
        self._pipe.close()
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status), said
