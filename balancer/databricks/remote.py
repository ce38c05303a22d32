"""Calls to the workspace: every refusal or unreachable host becomes one RemoteError.

`refused(what, done)` wraps a block of SDK calls; the error names the call that failed
(`what`) and lists what was done before it, so nothing half-done is reported as done.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from balancer.errors import RemoteError


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
    except OSError as exc:  # connection refused, time-outs: the SDK gives up after retrying
        raise RemoteError(
            f"could not reach the workspace to {what}: {exc}.", done=tuple(done)
        ) from exc
