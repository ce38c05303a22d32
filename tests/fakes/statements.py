"""The SQL statement execution API of the stand-in workspace.

Rules it keeps (databricks-sdk `StatementExecutionAPI` and `execute_statement` docstrings):
- a statement runs on a warehouse that exists; the first answer may be PENDING, `GET
  /api/2.0/sql/statements/{id}` tells the end state, and a failed statement answers 200 with
  `status.state = FAILED` and `status.error`;
- `disposition=INLINE` (the default) results are capped at 25 MiB: above that the statement
  fails and no result is available ("Statements with disposition=INLINE are limited to 25 MiB
  and will fail when this limit is exceeded");
- `disposition=EXTERNAL_LINKS` results come as chunks behind short-lived URLs, each chunk
  naming the next; the download "must not set an Authorization header" (the URL carries its
  own credentials), so the stand-in refuses a download that carries one;
- `ALTER STREAMING TABLE <t> SET TBLPROPERTIES ('pipelines.pipelineId' = '<id>')` moves a
  table to another pipeline, and only while the pipeline that owns it is stopped ("Stop the
  source pipeline if it is running. Wait for it to completely stop.") and when the caller is
  the run-as user of both ("The user account or service principal running the operation must
  be the run-as user of both the source and destination pipelines"; Move tables between
  pipelines, docs.databricks.com/aws/en/ldp/move-table).
Any other statement returns the rows the test set (`result_rows`, or `result_row(i)` for
`result_count` generated rows).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.workspace import FakeWorkspace

INLINE_LIMIT = 25 * 1024 * 1024
_IDENT = r"`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_]*"
_ALTER = re.compile(
    rf"^\s*ALTER\s+STREAMING\s+TABLE\s+({_IDENT})\.({_IDENT})\.({_IDENT})\s+SET\s+TBLPROPERTIES\s*"
    r"\(\s*'pipelines\.pipelineId'\s*=\s*'([^']*)'\s*\)\s*;?\s*$",
    re.IGNORECASE,
)


def _unquote(part: str) -> str:
    return part[1:-1].replace("``", "`") if part.startswith("`") else part


class Statements:
    def __init__(self, ws: FakeWorkspace) -> None:
        self.ws = ws
        self.log: dict[str, dict[str, Any]] = {}
        self.result_columns: list[str] = []
        self.result_rows: list[list[Any]] = []
        self.result_row: Callable[[int], list[Any]] | None = None
        self.result_count = 0
        self.chunk_rows = 2
        self.inline_limit = INLINE_LIMIT
        self.downloads = 0

    # --- results ------------------------------------------------------------------------

    def _count(self) -> int:
        return self.result_count if self.result_row is not None else len(self.result_rows)

    def _row(self, i: int) -> list[Any]:
        return self.result_row(i) if self.result_row is not None else self.result_rows[i]

    def _chunks(self) -> int:
        return max(1, -(-self._count() // self.chunk_rows))

    def _rows(self, n: int) -> list[list[Any]]:
        start = n * self.chunk_rows
        return [self._row(i) for i in range(start, min(start + self.chunk_rows, self._count()))]

    def _size(self) -> int:
        """The result's size in bytes, as the JSON it would be (sampled for generated rows)."""
        count = self._count()
        if count == 0:
            return 0
        sample = [self._row(i) for i in range(min(count, 100))]
        return len(json.dumps(sample)) * count // len(sample)

    def _chunk(self, sid: str, n: int) -> dict[str, Any]:
        rows = self._rows(n)
        out: dict[str, Any] = {"chunk_index": n, "row_offset": n * self.chunk_rows}
        out["row_count"] = len(rows)
        if n + 1 < self._chunks():
            out["next_chunk_index"] = n + 1
        if self.log[sid]["disposition"] == "EXTERNAL_LINKS":
            link = {**out, "external_link": f"{self.ws.url}/external/{sid}/{n}"}
            link["expiration"] = "2099-01-01T00:00:00Z"
            return {"external_links": [link]}
        return {**out, "data_array": rows}

    def download(self, sid: str, n: int, headers: Any) -> tuple[int, bytes]:
        if headers.get("Authorization"):
            return 403, b"<Error>credentials must not be sent to an external link</Error>"
        if sid not in self.log or self.log[sid]["disposition"] != "EXTERNAL_LINKS":
            return 404, b"<Error>NoSuchKey</Error>"
        self.downloads += 1
        return 200, json.dumps(self._rows(n), separators=(",", ":")).encode()

    # --- the API ------------------------------------------------------------------------

    def execute(self, b: dict[str, Any]) -> dict[str, Any]:
        from tests.fakes.workspace import ApiError

        if b.get("warehouse_id") not in self.ws.warehouses:
            raise ApiError(404, f"Warehouse {b.get('warehouse_id')} does not exist.", "NOT_FOUND")
        sid = f"01ef-{self.ws._id():012d}"
        disposition = b.get("disposition") or "INLINE"
        entry = {"statement": b["statement"], "warehouse_id": b["warehouse_id"]}
        entry |= {"disposition": disposition, "polls": 0, "error": None, "kind": "query"}
        self.log[sid] = entry
        m = _ALTER.match(b["statement"])
        if m:
            entry["kind"] = "alter"
            entry["error"] = self._alter(*(_unquote(p) for p in m.groups()[:3]), m.group(4))
        elif re.match(r"^\s*ALTER\b", b["statement"], re.IGNORECASE):
            entry["error"] = "PARSE_SYNTAX_ERROR: the stand-in knows only the hand-over ALTER"
        elif disposition == "INLINE" and self._size() > self.inline_limit:
            entry["error"] = (
                "The result exceeds the INLINE disposition limit of 25 MiB; use "
                "disposition EXTERNAL_LINKS."
            )
        return {"statement_id": sid, "status": {"state": "PENDING"}}

    def _alter(self, catalog: str, schema: str, name: str, pipeline_id: str) -> str | None:
        ws = self.ws
        table = ws.tables.get(f"{catalog}.{schema}.{name}".lower())
        if table is None:
            return f"TABLE_OR_VIEW_NOT_FOUND: {catalog}.{schema}.{name}"
        if pipeline_id not in ws.pipelines:
            return f"Pipeline {pipeline_id} does not exist."
        owner = table["pipeline_id"]
        if owner in ws.pipelines and ws.active_update(owner):
            return f"Pipeline {owner}, which owns the table, is running: stop it first."
        from tests.fakes.workspace import USER

        for pid in (owner, pipeline_id):
            if pid in ws.pipelines and ws.run_as_user(pid) != USER:
                return f"{USER} is not the run-as user of pipeline {pid}."
        table["pipeline_id"] = pipeline_id
        ws.handed_over.append((table["full_name"], owner, pipeline_id))
        return None

    def get(self, sid: str) -> dict[str, Any]:
        from tests.fakes.workspace import ApiError

        if sid not in self.log:
            raise ApiError(404, f"Statement {sid} does not exist.", "NOT_FOUND")
        entry = self.log[sid]
        if entry["error"]:
            return {
                "statement_id": sid,
                "status": {"state": "FAILED", "error": {"message": entry["error"]}},
            }
        columns = self.result_columns if entry["kind"] == "query" else []
        out: dict[str, Any] = {"statement_id": sid, "status": {"state": "SUCCEEDED"}}
        out["manifest"] = {
            "format": "JSON_ARRAY",
            "schema": {
                "column_count": len(columns),
                "columns": [{"name": c, "position": k} for k, c in enumerate(columns)],
            },
            "total_chunk_count": self._chunks() if entry["kind"] == "query" else 0,
            "total_row_count": self._count() if entry["kind"] == "query" else 0,
        }
        if entry["kind"] == "query":
            out["result"] = self._chunk(sid, 0)
        return out

    def chunk(self, sid: str, n: int) -> dict[str, Any]:
        from tests.fakes.workspace import ApiError

        if sid not in self.log or n >= self._chunks():
            raise ApiError(404, f"Chunk {n} of statement {sid} does not exist.", "NOT_FOUND")
        return self._chunk(sid, n)
