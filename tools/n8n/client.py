"""n8n's public API v1 (`{url}/api/v1/`, header `X-N8N-API-KEY`) and its production webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.errors import BadInput, NotFound
from tools.integrations.client import ApiClient
from tools.integrations.kinds import Connection
from tools.n8n import parse
from tools.n8n.parse import N8nExecution, N8nWorkflow

API = "/api/v1"
PAGE = 250  # the largest page the API gives
MAX_PAGES = 20  # 5,000 rows: more than a homelab has; a cursor loop cannot run away
WEBHOOK_REPLY_CAP = 2000  # characters of a webhook's answer kept


class N8n(ApiClient):
    """One n8n instance.

    The API key goes only with API requests: a webhook call must not hand it to a workflow,
    whose executions keep the headers they received.
    """

    def __init__(self, *, api_key: str, **kwargs: Any) -> None:
        # Sent per request rather than as a client header, so named for scrubbing here.
        super().__init__(**kwargs, secrets=(api_key,))
        self._key = {"X-N8N-API-KEY": api_key}

    async def _api(self, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
        response = await self.request(method, f"{API}{path}", params=params, headers=self._key)
        try:
            return response.json()
        except ValueError:
            raise self.bad_reply(f"{API}{path}", "a body that is not JSON") from None

    async def _pages(self, path: str, params: dict[str, Any], want: int) -> list[dict[str, Any]]:
        """Rows of a cursor-paginated list, following `nextCursor` until `want` rows."""
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            query = {**params, "limit": min(PAGE, max(want - len(rows), 1))}
            if cursor:
                query["cursor"] = cursor
            body = await self._api("GET", path, query)
            try:
                page = parse.page(body)
            except ValueError as exc:
                raise self.bad_reply(f"{API}{path}", str(exc)) from None
            rows += page.rows
            cursor = page.next_cursor
            if cursor is None or len(rows) >= want:
                break
        return rows[:want]

    def _rows(self, rows: list[dict[str, Any]], read: Any, path: str) -> list[Any]:
        try:
            return [read(r) for r in rows]
        except ValueError as exc:
            raise self.bad_reply(f"{API}{path}", str(exc)) from None

    async def probe(self) -> str:
        """Whether the key is accepted, and how many workflows there are (first page)."""
        body = await self._api("GET", "/workflows", {"limit": 1})
        try:
            parse.page(body)
        except ValueError as exc:
            raise self.bad_reply(f"{API}/workflows", str(exc)) from None
        return "n8n (public API v1, key accepted)"

    async def workflows(self, active: bool | None = None) -> list[N8nWorkflow]:
        """Every workflow (`GET /workflows`, all pages)."""
        params: dict[str, Any] = {} if active is None else {"active": str(active).lower()}
        rows = await self._pages("/workflows", params, PAGE * MAX_PAGES)
        found: list[N8nWorkflow] = self._rows(rows, parse.workflow, "/workflows")
        return found

    async def executions(
        self,
        *,
        status: str | None = None,
        workflow_id: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[N8nExecution]:
        """Recent executions, newest first (`GET /executions`), back to `since` if given."""
        params: dict[str, Any] = {"includeData": "false"}
        if status:
            params["status"] = status
        if workflow_id:
            params["workflowId"] = workflow_id
        rows = await self._pages("/executions", params, limit)
        found: list[N8nExecution] = self._rows(rows, parse.execution, "/executions")
        if since is not None:
            found = [e for e in found if (e.started_at or e.stopped_at or since) >= since]
        return found

    async def workflow(self, workflow_id: str) -> N8nWorkflow:
        """One workflow (`GET /workflows/{id}`); NotFound naming it."""
        path = f"/workflows/{workflow_id}"
        try:
            body = await self._api("GET", path)
        except NotFound:
            raise NotFound(f"{self.where} has no workflow {workflow_id}") from None
        return self._one(body, path)

    async def set_active(self, workflow_id: str, active: bool) -> N8nWorkflow:
        """`POST /workflows/{id}/activate` or `/deactivate`; the workflow as it is now."""
        path = f"/workflows/{workflow_id}/{'activate' if active else 'deactivate'}"
        try:
            body = await self._api("POST", path)
        except NotFound:
            raise NotFound(f"{self.where} has no workflow {workflow_id}") from None
        return self._one(body, path)

    async def run_webhook(self, path: str, payload: Mapping[str, Any]) -> tuple[int, str]:
        """`POST {url}/webhook/{path}` with a JSON body; the status and what n8n answered."""
        where = f"/webhook/{parse.webhook_path(path)}"
        try:
            response = await self.request("POST", where, json_body=dict(payload))
        except NotFound:
            raise NotFound(
                f"{self.where} has no active workflow listening on {where} "
                "(the workflow must be active for its production webhook to answer)"
            ) from None
        return response.status_code, response.text[:WEBHOOK_REPLY_CAP]

    def _one(self, body: Any, path: str) -> N8nWorkflow:
        if not isinstance(body, Mapping):
            raise self.bad_reply(API + path, "something other than a workflow object")
        try:
            return parse.workflow(body)
        except ValueError as exc:
            raise self.bad_reply(API + path, str(exc)) from None


def check_id(value: str) -> str:
    """A workflow id as n8n makes them (letters and digits); BadInput otherwise."""
    if not value.isalnum() or len(value) > 64:
        raise BadInput(f"{value[:80]!r} is not an n8n workflow id (letters and digits)")
    return value


def connect(conn: Connection) -> N8n:
    """The client, with the API key as `X-N8N-API-KEY`."""
    return N8n(
        service="n8n",
        base_url=conn.url,
        settings=conn.settings,
        headers={"Accept": "application/json"},
        credential="API key",
        api_key=conn.secret("token"),
    )
