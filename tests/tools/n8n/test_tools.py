"""n8n.* through the gate against the stand-in: lists answer, changes wait for approval."""

from __future__ import annotations

import pytest

from core.errors import BadInput
from tests.testbed.fake_n8n import API_KEY, FakeN8n
from tests.testbed.integration_gate import IntegrationsGate


@pytest.fixture
async def n8n(integrations_gate: IntegrationsGate, fake_n8n: FakeN8n) -> IntegrationsGate:
    await integrations_gate.add("n8n", fake_n8n.base_url, {"token": API_KEY})
    return integrations_gate


async def test_workflows_with_their_last_execution(
    n8n: IntegrationsGate, fake_n8n: FakeN8n
) -> None:
    backup = fake_n8n.add_workflow("Nightly backup", active=True)
    fake_n8n.add_workflow("alerts to discord")
    fake_n8n.add_execution(backup, "success", minutes_ago=90)
    fake_n8n.add_execution(backup, "error", minutes_ago=20)
    outcome = await n8n.call("n8n.list_workflows")
    assert outcome.status == "ok" and outcome.untrusted
    rows = n8n.data(outcome)["workflows"]
    assert [r["name"] for r in rows] == ["alerts to discord", "Nightly backup"]
    assert rows[0]["last_execution"] is None
    assert rows[1]["active"] is True and rows[1]["last_execution"]["status"] == "error"


async def test_failures_of_the_last_day_name_their_workflow(
    n8n: IntegrationsGate, fake_n8n: FakeN8n
) -> None:
    wf = fake_n8n.add_workflow("Sync photos")
    fake_n8n.add_execution(wf, "error", minutes_ago=60 * 48)
    assert (
        await n8n.call("n8n.executions", {"status": "error", "since_hours": 24})
    ).status == "no_data"
    fake_n8n.add_execution(wf, "error", minutes_ago=15)
    fake_n8n.add_execution(wf, "success", minutes_ago=5)
    outcome = await n8n.call("n8n.executions", {"status": "error", "since_hours": 24})
    assert [(e["workflow"], e["status"]) for e in n8n.data(outcome)["executions"]] == [
        ("Sync photos", "error")
    ]


async def test_activation_waits_for_approval_and_takes_a_name(
    n8n: IntegrationsGate, fake_n8n: FakeN8n
) -> None:
    wf = fake_n8n.add_workflow("Nightly backup")
    asked = await n8n.call("n8n.activate", {"workflow": "nightly BACKUP"})
    assert asked.status == "approval_required"
    # The name became the id before anyone was asked: what is approved is what runs.
    assert asked.invocation.args["workflow"] == wf
    assert asked.invocation.resource == f"integration:n8n/workflow/{wf}"
    assert fake_n8n.workflows[wf]["active"] is False
    done = await n8n.approve(asked)
    assert done.status == "executed" and fake_n8n.workflows[wf]["active"] is True
    again = await n8n.call("n8n.activate", {"workflow": wf.upper()})
    assert again.status == "no_data" and "already active" in (again.message or "")
    off = await n8n.approve(await n8n.call("n8n.deactivate", {"workflow": wf}))
    assert off.status == "executed" and fake_n8n.workflows[wf]["active"] is False


async def test_an_unknown_workflow_is_refused_before_anyone_is_asked(n8n: IntegrationsGate) -> None:
    with pytest.raises(BadInput, match="no workflow with the id or name"):
        await n8n.call("n8n.deactivate", {"workflow": "ghost"})


async def test_a_webhook_runs_only_after_approval(n8n: IntegrationsGate, fake_n8n: FakeN8n) -> None:
    fake_n8n.add_workflow("deploy site", active=True, webhook="deploy-site")
    asked = await n8n.call("n8n.run_webhook", {"path": "/deploy-site", "body": {"ref": "main"}})
    assert asked.status == "approval_required" and fake_n8n.webhook_calls == []
    assert asked.invocation.resource == "integration:n8n/webhook/deploy-site"
    done = await n8n.approve(asked)
    assert done.status == "executed", done
    assert fake_n8n.webhook_calls == [("deploy-site", {"ref": "main"})]
    with pytest.raises(BadInput, match="path"):
        await n8n.call("n8n.run_webhook", {"path": "../api/v1/workflows"})
