"""`balancer history pull`: run the history SQL on a SQL warehouse and write runs.csv, for
results of any size.

The statement runs with `disposition=EXTERNAL_LINKS`: the INLINE disposition is capped at
25 MiB ("Statements with disposition=INLINE are limited to 25 MiB and will fail when this
limit is exceeded", StatementExecutionAPI), a month of one 5-minute pipeline with a dozen
tables. Each chunk is downloaded from its short-lived link (without the workspace's
Authorization header: "do not set an Authorization header in the download request"), parsed
and appended to the output file, so memory holds one chunk at a time; the file appears under
its name only when every chunk is in.

The client is the real databricks-sdk `WorkspaceClient` (tests point it at a local server).
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from balancer.databricks.remote import refused
from balancer.errors import InputError, Location, RemoteError
from balancer.io.atomic import replacing
from balancer.jsondoc import load_json

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

DOWNLOAD_TIMEOUT_S = 120


def _download(url: str) -> list[list[Any]]:
    """One chunk from its external link: a JSON array of rows. No credentials are sent."""
    import requests

    response = requests.get(url, timeout=DOWNLOAD_TIMEOUT_S)
    if response.status_code != 200:
        raise RemoteError(
            f"downloading a result chunk answered HTTP {response.status_code}: "
            f"{response.text[:200]!r}."
        )
    try:  # the one JSON reader (bounded depth); its refusal is the workspace's, exit 4
        rows = load_json(response.content, Location(url.split("?")[0]), what="result chunk")
    except InputError:
        raise RemoteError("a result chunk is not JSON rows (an expired link?).") from None
    if not isinstance(rows, list):
        raise RemoteError("a result chunk is not a JSON array of rows.")
    return rows


def pull_to_csv(
    client: WorkspaceClient,
    warehouse_id: str,
    statement: str,
    output: str,
    poll_s: float = 1.0,
    timeout_s: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run `statement`, write its rows to `output` as CSV (header first); the row count."""
    from databricks.sdk.service.sql import Disposition, Format, StatementState

    with refused("run the history query"):
        resp = client.statement_execution.execute_statement(
            statement=statement,
            warehouse_id=warehouse_id,
            wait_timeout="30s",
            disposition=Disposition.EXTERNAL_LINKS,
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
                    f"statement {statement_id} still running after {timeout_s:.0f} s."
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
        if resp.manifest is not None and resp.manifest.truncated:
            raise RemoteError("the history result was truncated at 100 GiB; pull fewer days.")
        links = list(resp.result.external_links or []) if resp.result else []
        count = 0
        with replacing(output) as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(columns)
            while links:
                next_index = None
                for link in links:
                    rows = _download(str(link.external_link))
                    writer.writerows(["" if v is None else v for v in row] for row in rows)
                    count += len(rows)
                    next_index = link.next_chunk_index
                if next_index is None:
                    break
                chunk = client.statement_execution.get_statement_result_chunk_n(
                    statement_id, next_index
                )
                links = list(chunk.external_links or [])
    return count
