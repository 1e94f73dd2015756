"""The gate counts every call for /metrics, and records how an answer reached it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from core import metrics
from core.errors import BadInput
from memory.models import AuditEntry
from policies.gate import CallContext, Gate

pytestmark = pytest.mark.docker

USER = CallContext(actor="user:evin")


def count(tool: str, decision: str) -> float:
    labels = {"tool": tool, "decision": decision}
    return metrics.REGISTRY.get_sample_value("jarvis_tool_calls_total", labels) or 0.0


async def decisions(gate: Gate) -> list[tuple[str, dict[str, Any]]]:
    async with gate.db.session() as session:
        query = select(AuditEntry.event, AuditEntry.data).where(
            AuditEntry.event.in_(["approval_approved", "approval_rejected"])
        )
        rows = await session.execute(query.order_by(AuditEntry.seq))
        return [(event, json.loads(data)) for event, data in rows.all()]


async def test_calls_are_counted_by_tool_and_decision(gate: Gate, make_container: Any) -> None:
    box = make_container()
    read, ask = count("docker.list_containers", "allow"), count("docker.restart_container", "ask")
    unknown, approved = count("unknown", "invalid"), count("docker.restart_container", "approved")
    assert (await gate.invoke(USER, "docker.list_containers", {})).status == "ok"
    with pytest.raises(BadInput):
        await gate.invoke(USER, "no.such_tool", {})
    outcome = await gate.invoke(USER, "docker.restart_container", {"name": box.name})
    assert outcome.approval_id is not None
    await gate.decide(outcome.approval_id, approve=True, by="user:evin")
    assert count("docker.list_containers", "allow") == read + 1
    assert count("unknown", "invalid") == unknown + 1  # a made-up name never becomes a label
    assert count("docker.restart_container", "ask") == ask + 1
    assert count("docker.restart_container", "approved") == approved + 1


async def test_an_answer_by_link_says_so_in_the_audit(gate: Gate, make_container: Any) -> None:
    asked = [
        await gate.invoke(USER, "docker.restart_container", {"name": make_container().name})
        for _ in range(3)
    ]
    ids = [a.approval_id for a in asked]
    assert None not in ids
    await gate.decide(str(ids[0]), approve=False, by="user:link", via="link")
    await gate.decide(str(ids[1]), approve=False, by="user:evin")
    await gate.approvals.decide(str(ids[2]), approve=False, by="user:link", via="link")
    answered = {data["approval_id"]: data for _, data in await decisions(gate)}
    assert answered[ids[0]] == {"approval_id": ids[0], "via": "link"}
    assert answered[ids[1]] == {"approval_id": ids[1]}  # other callers are unchanged
    assert answered[ids[2]]["via"] == "link"
