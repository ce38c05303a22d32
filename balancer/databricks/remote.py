"""Calls to the workspace: every refusal or unreachable host becomes one RemoteError.

`refused(what, done)` wraps a block of SDK calls; the error names the call that failed
(`what`) and lists what was done before it, so nothing half-done is reported as done. It
tells apart a refusal (the API's error), an answer that is not JSON (an HTML login page, a
proxy), a `Retry-After` longer than deploy waits (`Throttled`, raised by the client's clock,
see `workspace.workspace_client`) and a host that cannot be reached.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from balancer.errors import RemoteError

MAX_WAIT_S = 60.0  # the longest Retry-After a command waits out


class Throttled(Exception):
    """The workspace asked the client to wait longer than MAX_WAIT_S before retrying."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"Retry-After {seconds:.0f} s")
        self.seconds = seconds


@contextmanager
def refused(what: str, done: Sequence[str] = ()) -> Iterator[None]:
    from databricks.sdk.errors.base import DatabricksError

    try:
        yield
    except DatabricksError as exc:
        before = "; ".join(done) or "nothing"
        raise RemoteError(
            f"Databricks refused to {what}: {type(exc).__name__}: {exc}. "
            f"Done before the failure: {before}.",
            done=tuple(done),
        ) from exc
    except Throttled as exc:
        raise RemoteError(
            f"the workspace asked to wait {int(exc.seconds)} s before it answers the call to {what} "
            f"(Retry-After); stopped instead of waiting longer than {MAX_WAIT_S:.0f} s. Try again "
            f"later. Done before: {'; '.join(done) or 'nothing'}.",
            done=tuple(done),
        ) from exc
    except ValueError as exc:  # requests' JSONDecodeError: an answer that is not JSON
        raise RemoteError(
            f"the workspace answered the call to {what} with something that is not JSON ({exc}): "
            "an HTML sign-in page or a proxy answers at that host? Check DATABRICKS_HOST is "
            f"the workspace URL. Done before: {'; '.join(done) or 'nothing'}.",
            done=tuple(done),
        ) from exc
    except OSError as exc:  # connection refused, time-outs: the SDK gives up after retrying
        raise RemoteError(
            f"could not reach the workspace to {what}: {exc}.", done=tuple(done)
        ) from exc
