"""sunshine.* through the gate over TLS: the certificate pinned when added, pairing approved."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import BadInput
from memory.integrations import reveal_secrets
from tests.testbed.fake_service import serve
from tests.testbed.fake_sunshine import PASSWORD, USER, Certificate, FakeSunshine, self_signed
from tests.testbed.integration_gate import IntegrationsGate

LOGIN = {"user": USER, "password": PASSWORD}


async def test_adding_pins_the_certificate_and_keeps_the_password_in_the_vault(
    integrations_gate: IntegrationsGate, fake_sunshine: FakeSunshine, sunshine_cert: Certificate
) -> None:
    view = await integrations_gate.add("sunshine", fake_sunshine.base_url, LOGIN)
    assert view.options == {"user": USER, "fingerprint": sunshine_cert.sha256}
    assert view.credentials == ["password"] and PASSWORD not in view.model_dump_json()
    assert view.test_result == "ok"
    stored = await reveal_secrets(integrations_gate.db, integrations_gate.access.vault, "sunshine")
    assert stored == {"password": PASSWORD}


async def test_apps_and_clients(
    integrations_gate: IntegrationsGate, fake_sunshine: FakeSunshine
) -> None:
    await integrations_gate.add("sunshine", fake_sunshine.base_url, LOGIN)
    apps = await integrations_gate.call("sunshine.apps")
    assert [a["name"] for a in integrations_gate.data(apps)["apps"]] == [
        "Desktop",
        "Steam Big Picture",
    ]
    assert apps.untrusted
    assert (await integrations_gate.call("sunshine.clients")).status == "no_data"
    fake_sunshine.clients.append({"name": "Living room Shield", "uuid": "A1", "cert": "-"})
    clients = await integrations_gate.call("sunshine.clients")
    assert [c["name"] for c in integrations_gate.data(clients)["clients"]] == ["Living room Shield"]


async def test_pairing_waits_for_approval_then_sends_the_pin(
    integrations_gate: IntegrationsGate, fake_sunshine: FakeSunshine
) -> None:
    await integrations_gate.add("sunshine", fake_sunshine.base_url, LOGIN)
    fake_sunshine.waiting_pin = "1234"
    asked = await integrations_gate.call("sunshine.pair", {"pin": "1234", "name": "Steam Deck"})
    assert asked.status == "approval_required"
    assert asked.invocation.resource == "integration:sunshine/pairing"
    assert fake_sunshine.paths("POST") == []
    done = await integrations_gate.approve(asked)
    assert done.status == "executed", done
    assert [c["name"] for c in fake_sunshine.clients] == ["Steam Deck"]
    # Nobody waiting any more: the next PIN is not taken, and the reply says so.
    late = await integrations_gate.approve(
        await integrations_gate.call("sunshine.pair", {"pin": "1234"})
    )
    assert late.status == "failed" and late.result is not None
    assert "no Moonlight client was waiting" in str(late.result.get("message"))


@pytest.mark.parametrize("pin", ["123", "12345", "abcd", "1234; rm"])
async def test_a_pin_that_is_not_four_digits_is_refused(
    integrations_gate: IntegrationsGate, fake_sunshine: FakeSunshine, pin: str
) -> None:
    await integrations_gate.add("sunshine", fake_sunshine.base_url, LOGIN)
    with pytest.raises(BadInput, match="pin"):
        await integrations_gate.call("sunshine.pair", {"pin": pin})
    assert fake_sunshine.paths("POST") == []


async def test_a_changed_certificate_is_refused_with_a_clear_reason(
    integrations_gate: IntegrationsGate, tmp_path: Path
) -> None:
    first = self_signed(tmp_path / "first")
    fake = FakeSunshine()
    with serve(fake, tls=first.context()) as running:
        await integrations_gate.add("sunshine", running.base_url, LOGIN)
        url = running.base_url
    port = int(url.rsplit(":", 1)[1])
    # Another host (another certificate) now answers on the same address.
    second = self_signed(tmp_path / "second")
    impostor = FakeSunshine()
    with serve(impostor, tls=second.context(), port=port):
        outcome = await integrations_gate.call("sunshine.clients")
    assert outcome.status == "error"
    assert "different certificate" in (outcome.message or "")
    assert impostor.requests == []
