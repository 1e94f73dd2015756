"""ha.* through the real gate against the local Home Assistant stand-in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import BadInput
from memory.models import AuditEntry
from tests.testbed.fake_homeassistant import FAKE_HA_TOKEN, FakeHomeAssistant
from tests.testbed.integration_gate import IntegrationsGate


@pytest.fixture
async def ha(
    integrations_gate: IntegrationsGate, fake_homeassistant: FakeHomeAssistant
) -> IntegrationsGate:
    await integrations_gate.add("homeassistant", fake_homeassistant.url, {"token": FAKE_HA_TOKEN})
    fake_homeassistant.requests.clear()
    return integrations_gate


async def test_lists_entities_by_domain_and_words(ha: IntegrationsGate) -> None:
    lights = await ha.call("ha.list_entities", {"domain": "light"})
    assert lights.status == "ok" and lights.untrusted
    assert lights.data is not None
    assert [e["entity_id"] for e in lights.data["entities"]] == [
        "light.bedroom_left",
        "light.bedroom_right",
        "light.kitchen",
    ]
    room = await ha.call("ha.list_entities", {"text": "living room"})
    assert room.data is not None
    assert {(e["name"], e["state"], e["unit"]) for e in room.data["entities"]} == {
        ("Living Room Temperature", "21.5", "°C"),
        ("Living Room Humidity", "48", "%"),
    }
    none = await ha.call("ha.list_entities", {"text": "attic"})
    assert none.status == "no_data"


async def test_reads_one_entity(ha: IntegrationsGate) -> None:
    out = await ha.call("ha.get_entity", {"entity_id": "sensor.living_room_temperature"})
    assert out.status == "ok" and out.data is not None
    assert (out.data["entity"]["state"], out.data["entity"]["unit"]) == ("21.5", "°C")
    assert out.invocation.resource == "ha:sensor.living_room_temperature"
    missing = await ha.call("ha.get_entity", {"entity_id": "light.attic"})
    assert missing.status == "error" and "no entity light.attic" in (missing.message or "")


async def test_a_service_waits_for_approval_then_reaches_home_assistant(
    ha: IntegrationsGate, fake_homeassistant: FakeHomeAssistant
) -> None:
    asked = await ha.call(
        "ha.call_service",
        {"domain": "light", "service": "turn_on", "entity_id": "light.kitchen"},
    )
    assert asked.status == "approval_required"
    assert asked.invocation.resource == "ha:light.kitchen"
    assert fake_homeassistant.service_calls() == []
    assert fake_homeassistant.states["light.kitchen"]["state"] == "off"
    done = await ha.approve(asked)
    assert done.status == "executed", done
    assert done.result is not None
    assert (done.result["data"]["before"], done.result["data"]["after"]) == ("off", "on")
    assert len(fake_homeassistant.service_calls()) == 1
    assert fake_homeassistant.states["light.kitchen"]["state"] == "on"


async def test_the_preview_says_what_would_change(ha: IntegrationsGate) -> None:
    asked = await ha.call(
        "ha.call_service",
        {
            "domain": "light",
            "service": "turn_on",
            "entity_id": "light.kitchen",
            "brightness_pct": 40,
        },
    )
    approval = await ha.gate.approvals.get(asked.approval_id or "")
    assert approval.diff == (
        "light.turn_on with {'brightness_pct': 40} on light.kitchen (Kitchen Light), now off; "
        "it would be on"
    )


async def test_already_so_is_nothing_to_do(
    ha: IntegrationsGate, fake_homeassistant: FakeHomeAssistant
) -> None:
    out = await ha.call(
        "ha.call_service",
        {"domain": "light", "service": "turn_on", "entity_id": "light.bedroom_right"},
    )
    assert out.status == "no_data" and "already on" in (out.message or "")
    assert out.approval_id is None and fake_homeassistant.service_calls() == []


async def test_locks_are_destructive_and_separate(
    ha: IntegrationsGate, fake_homeassistant: FakeHomeAssistant
) -> None:
    with pytest.raises(BadInput, match=r"use ha\.call_security_service"):
        await ha.call(
            "ha.call_service",
            {"domain": "lock", "service": "unlock", "entity_id": "lock.front_door"},
        )
    with pytest.raises(BadInput, match="not in the light domain"):
        await ha.call(
            "ha.call_service",
            {"domain": "light", "service": "turn_on", "entity_id": "lock.front_door"},
        )
    with pytest.raises(BadInput):
        await ha.call(
            "ha.call_service",
            {"domain": "light", "service": "turn_on", "entity_id": "light.kitchen; rm -rf"},
        )
    asked = await ha.call(
        "ha.call_security_service",
        {"domain": "lock", "service": "unlock", "entity_id": "lock.front_door"},
    )
    assert asked.status == "approval_required" and asked.rule == "ask-destructive"
    assert fake_homeassistant.service_calls() == []
    done = await ha.approve(asked)
    assert done.status == "executed"
    assert fake_homeassistant.states["lock.front_door"]["state"] == "unlocked"


async def test_a_refused_token_is_reported_and_never_shown(
    ha: IntegrationsGate, fake_homeassistant: FakeHomeAssistant
) -> None:
    fake_homeassistant.token = "rotated-token-on-the-server"
    out = await ha.call("ha.list_entities", {})
    assert out.status == "error" and "the token was refused" in (out.message or "")
    async with ha.db.session() as session:
        audit = [str(r.data) for r in (await session.execute(select(AuditEntry))).scalars()]
    assert audit and not any(FAKE_HA_TOKEN in entry for entry in audit)
