"""A local stand-in for the Databricks REST endpoints the product uses, on 127.0.0.1.

State lives in memory. `fail(path_prefix, status, times)` makes the next calls to a path
answer with an error, to test retries (503) and refusals (403). Statement execution returns
its rows in chunks of `chunk_rows`.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class FakeWorkspace:
    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.folders: set[str] = set()
        self.pipelines: dict[str, dict[str, Any]] = {}
        self.jobs: dict[int, dict[str, Any]] = {}
        self.statements: dict[str, dict[str, Any]] = {}
        self.result_rows: list[list[Any]] = []
        self.result_columns: list[str] = []
        self.chunk_rows = 2
        self.requests: list[tuple[str, str]] = []
        self._failures: list[list[Any]] = []
        self._next = 100
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeWorkspace:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, path_prefix: str, status: int, times: int = 1) -> None:
        self._failures.append([method, path_prefix, status, times])

    def _id(self) -> int:
        self._next += 1
        return self._next

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        ws = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 503:
                    self.send_header("Retry-After", "1")
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> dict[str, Any]:
                n = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(n) or b"{}") if n else {}

            def _route(self, method: str) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = self._body() if method in ("POST", "PUT") else {}
                with ws._lock:
                    ws.requests.append((method, url.path))
                    for f in ws._failures:
                        if f[0] == method and url.path.startswith(f[1]) and f[3] > 0:
                            f[3] -= 1
                            code = {403: "PERMISSION_DENIED", 503: "TEMPORARILY_UNAVAILABLE"}.get(
                                f[2], "INTERNAL_ERROR"
                            )
                            return self._send(
                                f[2], {"error_code": code, "message": f"injected {f[2]}"}
                            )
                    status, out = ws.handle(method, url.path, query, body)
                self._send(status, out)

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

            def do_PUT(self) -> None:
                self._route("PUT")

            def do_DELETE(self) -> None:
                self._route("DELETE")

        return Handler

    def handle(
        self, method: str, path: str, q: dict[str, str], b: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if path == "/api/2.0/workspace/mkdirs":
            self.folders.add(b["path"])
            return 200, {}
        if path == "/api/2.0/workspace/import":
            if b["path"] in self.files and not b.get("overwrite"):
                return 400, {"error_code": "RESOURCE_ALREADY_EXISTS", "message": b["path"]}
            self.files[b["path"]] = b["content"]
            return 200, {}
        if path == "/api/2.0/pipelines" and method == "GET":
            items = sorted(self.pipelines.values(), key=lambda p: p["pipeline_id"])
            flt = q.get("filter", "")
            m = re.match(r"^name LIKE '(.*)'$", flt)
            if m:
                pattern = (
                    "^"
                    + re.escape(m.group(1).replace("''", "'")).replace("%", ".*").replace("_", ".")
                    + "$"
                )
                items = [p for p in items if re.match(pattern, p["name"])]
            start = int(q.get("page_token") or 0)
            page = items[start : start + 2]
            out: dict[str, Any] = {
                "statuses": [{"pipeline_id": p["pipeline_id"], "name": p["name"]} for p in page]
            }
            if start + 2 < len(items):
                out["next_page_token"] = str(start + 2)
            return 200, out
        if path == "/api/2.0/pipelines" and method == "POST":
            pid = f"pipe-{self._id()}"
            self.pipelines[pid] = {"pipeline_id": pid, "name": b["name"], "spec": b}
            return 200, {"pipeline_id": pid}
        m = re.match(r"^/api/2.0/pipelines/([^/]+)$", path)
        if m:
            pid = m.group(1)
            if pid not in self.pipelines:
                return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": pid}
            if method == "GET":
                p = self.pipelines[pid]
                return 200, {"pipeline_id": pid, "name": p["name"], "spec": p["spec"]}
            if method == "PUT":
                self.pipelines[pid] = {
                    "pipeline_id": pid,
                    "name": b["name"],
                    "spec": {k: v for k, v in b.items() if k != "pipeline_id"},
                }
                return 200, {}
            if method == "DELETE":
                del self.pipelines[pid]
                return 200, {}
        if path == "/api/2.2/jobs/list":
            items = sorted(self.jobs.items())
            if "name" in q:
                items = [(i, s) for i, s in items if s["name"].lower() == q["name"].lower()]
            return 200, {
                "jobs": [{"job_id": i, "settings": s} for i, s in items],
                "has_more": False,
            }
        if path == "/api/2.2/jobs/create":
            jid = self._id()
            self.jobs[jid] = b
            return 200, {"job_id": jid}
        if path == "/api/2.2/jobs/reset":
            self.jobs[int(b["job_id"])] = b["new_settings"]
            return 200, {}
        if path == "/api/2.2/jobs/delete":
            self.jobs.pop(int(b["job_id"]), None)
            return 200, {}
        if path == "/api/2.0/sql/statements" and method == "POST":
            sid = f"stmt-{self._id()}"
            self.statements[sid] = {
                "statement": b["statement"],
                "warehouse_id": b["warehouse_id"],
                "polls": 0,
            }
            return 200, self._statement(sid, first=True)
        m = re.match(r"^/api/2.0/sql/statements/([^/]+)$", path)
        if m:
            return 200, self._statement(m.group(1), first=False)
        m = re.match(r"^/api/2.0/sql/statements/([^/]+)/result/chunks/(\d+)$", path)
        if m:
            return 200, self._chunk(int(m.group(2)))
        return 404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"{method} {path}"}

    def _chunks(self) -> int:
        return max(1, -(-len(self.result_rows) // self.chunk_rows))

    def _chunk(self, n: int) -> dict[str, Any]:
        rows = self.result_rows[n * self.chunk_rows : (n + 1) * self.chunk_rows]
        out: dict[str, Any] = {
            "chunk_index": n,
            "row_offset": n * self.chunk_rows,
            "row_count": len(rows),
            "data_array": rows,
        }
        if n + 1 < self._chunks():
            out["next_chunk_index"] = n + 1
        return out

    def _statement(self, sid: str, first: bool) -> dict[str, Any]:
        if first:
            return {"statement_id": sid, "status": {"state": "PENDING"}}
        return {
            "statement_id": sid,
            "status": {"state": "SUCCEEDED"},
            "manifest": {
                "format": "JSON_ARRAY",
                "schema": {
                    "column_count": len(self.result_columns),
                    "columns": [
                        {"name": c, "position": k} for k, c in enumerate(self.result_columns)
                    ],
                },
                "total_chunk_count": self._chunks(),
                "total_row_count": len(self.result_rows),
            },
            "result": self._chunk(0),
        }
