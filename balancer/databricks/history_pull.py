"""`balancer history pull`: run the history SQL on a SQL warehouse, follow result chunks.

The client is the real databricks-sdk `WorkspaceClient` (tests point it at a local server).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from balancer.databricks.remote import refused
from balancer.errors import RemoteError

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient


def fetch_rows(
    client: WorkspaceClient,
    warehouse_id: str,
    statement: str,
    poll_s: float = 1.0,
    timeout_s: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[str], list[list[Any]]]:
    """Column names and all rows of a statement, every chunk of it."""
    from databricks.sdk.service.sql import Disposition, Format, StatementState

    with refused("run the history query"):
        resp = client.statement_execution.execute_statement(
            statement=statement,
            warehouse_id=warehouse_id,
            wait_timeout="30s",
            disposition=Disposition.INLINE,
            format=Format.JSON_ARRAY,
        )
        statement_id = resp.statement_id
        if not statement_id:
            raise RemoteError("the statement API answered without a statement id.")
        waited = 0.0
        while resp.status is not None and resp.status.state in (
            StatementState.PENDING,
            StatementState.RUNNING,
        ):
            if waited > timeout_s:
                raise RemoteError(
                    f"statement {resp.statement_id} still running after {timeout_s:.0f} s."
                )
            sleep(poll_s)
            waited += poll_s
            resp = client.statement_execution.get_statement(statement_id)
        state = resp.status.state if resp.status is not None else None
        if state != StatementState.SUCCEEDED:
            error = (
                resp.status.error.message if resp.status is not None and resp.status.error else ""
            )
            raise RemoteError(
                f"the history query ended {state.value if state else 'without a state'}: {error}"
            )
        columns = (
            [c.name or "" for c in resp.manifest.schema.columns or []]
            if resp.manifest and resp.manifest.schema
            else []
        )
        rows: list[list[Any]] = list(resp.result.data_array or []) if resp.result else []
        next_index = resp.result.next_chunk_index if resp.result else None
        while next_index is not None:
            chunk = client.statement_execution.get_statement_result_chunk_n(
                statement_id, next_index
            )
            rows.extend(chunk.data_array or [])
            next_index = chunk.next_chunk_index
    return columns, rows
