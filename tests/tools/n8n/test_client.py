"""The n8n client against the local stand-in: pages, filters, changes, webhooks, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import AuthFailed, BadInput, BadReply, NotFound, Unreachable
from memory.integrations import IntegrationView
from tests.testbed.fake_n8n import API_KEY, FakeN8n
from tests.testbed.integration_gate import FAST
from tools.integrations.kinds import Connection
from tools.n8n.client import N8n
from tools.n8n.kind import KIND


def client(url: str, key: str = API_KEY) -> N8n:
    view = IntegrationView(
        name="n8n", kind="n8n", url=url, credentials=["token"], options={},
        created_at=datetime.now(UTC),
    )  # fmt: skip
    return KIND.connect(Connection(view, {"token": key}, FAST))


async def test_all_pages_are_followed(fake_n8n: FakeN8n, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(7):
        fake_n8n.add_workflow(f"flow {i}", active=i % 2 == 0)
    monkeypatch.setattr("tools.n8n.client.PAGE", 3)
    async with client(fake_n8n.base_url) as n8n:
        assert await n8n.probe() == "n8n (public API v1, key accepted)"
        every = await n8n.workflows()
        active = await n8n.workflows(active=True)
    assert [w.name for w in every] == [f"flow {i}" for i in range(7)]
    assert [w.name for w in active] == ["flow 0", "flow 2", "flow 4", "flow 6"]
    listed = [r for r in fake_n8n.requests if r.path == "/api/v1/workflows"]
    # probe, 3 pages of all, 2 pages of the active ones
    assert [r.query.get("cursor") is not None for r in listed] == [
        False, False, True, True, False, True,
    ]  # fmt: skip
    assert all(r.headers["X-N8N-API-KEY"] == API_KEY for r in listed)


async def test_executions_filter_by_status_workflow_and_time(fake_n8n: FakeN8n) -> None:
    a, b = fake_n8n.add_workflow("a"), fake_n8n.add_workflow("b")
    fake_n8n.add_execution(a, "error", minutes_ago=60 * 30)
    fake_n8n.add_execution(a, "error", minutes_ago=30)
    fake_n8n.add_execution(b, "success", minutes_ago=10)
    since = datetime.now(UTC) - timedelta(hours=24)
    async with client(fake_n8n.base_url) as n8n:
        failed = await n8n.executions(status="error")
        today = await n8n.executions(status="error", since=since)
        of_b = await n8n.executions(workflow_id=b)
    assert [e.workflow_id for e in failed] == [a, a]
    assert len(today) == 1 and today[0].status == "error"
    assert [e.status for e in of_b] == ["success"]
    assert fake_n8n.requests[-1].query["workflowId"] == b


async def test_activate_deactivate_and_refusals(fake_n8n: FakeN8n) -> None:
    wf = fake_n8n.add_workflow("backup")
    empty = fake_n8n.add_workflow("draft", trigger=False)
    async with client(fake_n8n.base_url) as n8n:
        assert (await n8n.set_active(wf, True)).active is True
        assert fake_n8n.workflows[wf]["active"] is True
        assert (await n8n.set_active(wf, False)).active is False
        with pytest.raises(BadInput, match=r"HTTP 400.*trigger"):
            await n8n.set_active(empty, True)
        with pytest.raises(NotFound, match="no workflow nope"):
            await n8n.set_active("nope", True)
    assert fake_n8n.workflows[empty]["active"] is False


async def test_a_webhook_gets_the_body_but_never_the_key(fake_n8n: FakeN8n) -> None:
    fake_n8n.add_workflow("deploy hook", active=True, webhook="deploy")
    fake_n8n.add_workflow("sleeping hook", active=False, webhook="later")
    async with client(fake_n8n.base_url) as n8n:
        status, reply = await n8n.run_webhook("deploy", {"ref": "main"})
        with pytest.raises(NotFound, match="must be active"):
            await n8n.run_webhook("later", {})
        with pytest.raises(ValueError):
            await n8n.run_webhook("../api/v1/workflows", {})
    assert status == 200 and "Workflow was started" in reply
    assert fake_n8n.webhook_calls == [("deploy", {"ref": "main"})]
    hooks = [r for r in fake_n8n.requests if r.path.startswith("/webhook/")]
    assert hooks and all("X-N8N-API-KEY" not in r.headers for r in hooks)


async def test_a_wrong_key_a_malformed_page_and_a_failing_server(fake_n8n: FakeN8n) -> None:
    async with client(fake_n8n.base_url, key="wrong-key-99") as n8n:
        with pytest.raises(AuthFailed, match="API key was refused") as caught:
            await n8n.workflows()
    assert "wrong-key-99" not in caught.value.message
    fake_n8n.fail_next(200, b'{"workflows": []}')
    async with client(fake_n8n.base_url) as n8n:
        with pytest.raises(BadReply, match="no `data` list"):
            await n8n.workflows()
    fake_n8n.fail_next(200, b"<html>login</html>", content_type="text/html")
    async with client(fake_n8n.base_url) as n8n:
        with pytest.raises(BadReply, match="not JSON"):
            await n8n.workflows()
    fake_n8n.fail_next(502, times=3)
    async with client(fake_n8n.base_url) as n8n:
        with pytest.raises(Unreachable, match="HTTP 502"):
            await n8n.workflows()
    fake_n8n.fail_next(429, headers={"Retry-After": "0"})
    async with client(fake_n8n.base_url) as n8n:
        assert await n8n.workflows() == []


async def test_an_echoed_api_key_is_never_repeated(fake_n8n: FakeN8n) -> None:
    # A proxy that echoes the request headers in its error page.
    fake_n8n.fail_next(400, f'{{"message": "bad request, got X-N8N-API-KEY: {API_KEY}"}}'.encode())
    async with client(fake_n8n.base_url) as n8n:
        with pytest.raises(BadInput) as caught:
            await n8n.workflows()
    assert API_KEY not in caught.value.message
    assert "got X-N8N-API-KEY: [redacted]" in caught.value.message
