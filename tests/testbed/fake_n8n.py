"""An n8n stand-in on 127.0.0.1: the public API v1 and production webhooks, as documented.

`/api/v1/...` needs `X-N8N-API-KEY` (401 `{"message": ...}` otherwise); lists are pages of
`{"data": [...], "nextCursor": ...}` with `limit` and `cursor`; executions filter on
`status` and `workflowId`; `POST /workflows/{id}/activate|deactivate` answer the workflow. A
workflow with a Webhook node listens on `POST /webhook/{path}` while it is active; each call
becomes a successful execution.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.testbed.fake_service import FakeService, Reply, Request, json_reply, serve

API_KEY = "n8n-test-api-key"  # a credential for this stand-in only
MAX_LIMIT = 250


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeN8n(FakeService):
    """Workflows by id, executions newest first, and the webhook calls received."""

    def __init__(self, api_key: str = API_KEY) -> None:
        super().__init__()
        self.api_key = api_key
        self.workflows: dict[str, dict[str, Any]] = {}
        self.executions: list[dict[str, Any]] = []
        self.webhook_calls: list[tuple[str, Any]] = []

    def add_workflow(
        self, name: str, *, active: bool = False, webhook: str | None = None, trigger: bool = True
    ) -> str:
        """Add a workflow (with a Webhook node on `webhook`); its id."""
        wf_id = f"wf{len(self.workflows) + 1:03d}"
        nodes: list[dict[str, Any]] = []
        if webhook is not None:
            nodes.append(
                {"name": "Webhook", "type": "n8n-nodes-base.webhook",
                 "parameters": {"path": webhook, "httpMethod": "POST"}}
            )  # fmt: skip
        elif trigger:
            nodes.append({"name": "Schedule", "type": "n8n-nodes-base.scheduleTrigger"})
        now = _iso(datetime.now(UTC) - timedelta(days=2))
        self.workflows[wf_id] = {
            "id": wf_id, "name": name, "active": active, "createdAt": now, "updatedAt": now,
            "nodes": nodes, "connections": {}, "settings": {}, "tags": [],
        }  # fmt: skip
        return wf_id

    def add_execution(self, workflow_id: str, status: str, *, minutes_ago: float = 5) -> str:
        """Record an execution of a workflow that ended `minutes_ago`; its id."""
        ex_id = str(1000 + len(self.executions))
        started = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        self.executions.append(
            {"id": ex_id, "finished": status == "success", "mode": "trigger", "retryOf": None,
             "retrySuccessId": None, "startedAt": _iso(started),
             "stoppedAt": _iso(started + timedelta(seconds=3)), "workflowId": workflow_id,
             "waitTill": None, "status": status}
        )  # fmt: skip
        self.executions.sort(key=lambda e: e["startedAt"], reverse=True)
        return ex_id

    def handle(self, request: Request) -> Reply:
        """Route one request: the API, or a production webhook."""
        if request.path.startswith("/webhook/"):
            return self._webhook(request)
        if not request.path.startswith("/api/v1/"):
            return json_reply(404, {"message": "Not Found"})
        key = request.headers.get("X-N8N-API-KEY")
        if key is None:
            return json_reply(401, {"message": "'X-N8N-API-KEY' header required"})
        if key != self.api_key:
            return json_reply(401, {"message": "unauthorized"})
        parts = request.path[len("/api/v1/") :].strip("/").split("/")
        if request.method == "GET" and parts == ["workflows"]:
            rows = list(self.workflows.values())
            if "active" in request.query:
                wanted = request.query["active"] == "true"
                rows = [w for w in rows if w["active"] is wanted]
            return _page(rows, request.query)
        if request.method == "GET" and parts == ["executions"]:
            rows = self.executions
            if status := request.query.get("status"):
                rows = [e for e in rows if e["status"] == status]
            if wf := request.query.get("workflowId"):
                rows = [e for e in rows if e["workflowId"] == wf]
            return _page(rows, request.query)
        if len(parts) == 2 and parts[0] == "workflows" and request.method == "GET":
            found = self.workflows.get(parts[1])
            return json_reply(200, found) if found else json_reply(404, {"message": "Not Found"})
        if len(parts) == 3 and parts[0] == "workflows" and request.method == "POST":
            return self._toggle(parts[1], parts[2])
        return json_reply(404, {"message": "Not Found"})

    def _toggle(self, wf_id: str, action: str) -> Reply:
        found = self.workflows.get(wf_id)
        if found is None or action not in ("activate", "deactivate"):
            return json_reply(404, {"message": "Not Found"})
        if action == "activate" and not found["nodes"]:
            return json_reply(
                400,
                {"message": "Workflow has no node to start the workflow - at least one "
                 "trigger, poller or webhook node is required"},
            )  # fmt: skip
        found["active"] = action == "activate"
        found["updatedAt"] = _iso(datetime.now(UTC))
        return json_reply(200, found)

    def _webhook(self, request: Request) -> Reply:
        path = request.path[len("/webhook/") :].strip("/")
        for wf in self.workflows.values():
            for node in wf["nodes"]:
                params = node.get("parameters") or {}
                if node["type"].endswith(".webhook") and params.get("path") == path:
                    if not wf["active"] or request.method != params.get("httpMethod", "GET"):
                        break
                    try:
                        body = request.json()
                    except ValueError:
                        body = request.body.decode(errors="replace")
                    self.webhook_calls.append((path, body))
                    self.add_execution(wf["id"], "success", minutes_ago=0)
                    return json_reply(200, {"message": "Workflow was started"})
        return json_reply(
            404,
            {"code": 404,
             "message": f'The requested webhook "{request.method} {path}" is not registered.',
             "hint": "The workflow must be active for a production URL to run successfully."},
        )  # fmt: skip


def _page(rows: list[dict[str, Any]], query: dict[str, str]) -> Reply:
    try:
        limit = int(query.get("limit") or 100)
        start = int(base64.b64decode(query["cursor"]).decode()) if query.get("cursor") else 0
    except (ValueError, UnicodeDecodeError):
        return json_reply(400, {"message": "request/query/cursor is not valid"})
    if not 1 <= limit <= MAX_LIMIT:
        return json_reply(400, {"message": f"request/query/limit must be <= {MAX_LIMIT}"})
    chunk = rows[start : start + limit]
    more = start + limit < len(rows)
    cursor = base64.b64encode(str(start + limit).encode()).decode() if more else None
    return json_reply(200, {"data": chunk, "nextCursor": cursor})


@pytest.fixture
def fake_n8n() -> Iterator[FakeN8n]:
    """A fresh n8n stand-in on a free loopback port."""
    with serve(FakeN8n()) as service:
        assert isinstance(service, FakeN8n)
        yield service
