"""integrations.reachable against the Home Assistant stand-in: down, refused, fine again."""

from __future__ import annotations

import socket

from tests.testbed.fake_homeassistant import FAKE_HA_TOKEN, FakeHomeAssistant
from tests.testbed.integration_gate import IntegrationsGate
from tools.checks.base import CheckContext
from tools.checks.catalog import all_checks
from tools.checks.integrations import reachable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_every_integration_is_probed_and_failures_are_findings(
    integrations_gate: IntegrationsGate, fake_homeassistant: FakeHomeAssistant
) -> None:
    assert "integrations.reachable" in {c.id for c in all_checks()}
    bed = integrations_gate
    await bed.add("homeassistant", fake_homeassistant.url, {"token": FAKE_HA_TOKEN})
    await bed.add("homeassistant", f"http://127.0.0.1:{free_port()}", {"token": "x1"}, "cabin")
    ctx = CheckContext(deps=bed.gate.deps, db=bed.db)

    result = await reachable.probe(ctx)
    [down] = result.observations
    assert down.resource == "integration:cabin" and down.severity == "warning"
    assert "cannot be reached" in down.summary and down.evidence["error"] == "unreachable"

    fake_homeassistant.token = "rotated-on-the-server"
    result = await reachable.probe(ctx)
    refused = {o.resource: o for o in result.observations}["integration:homeassistant"]
    assert "refuses its credentials" in refused.summary and FAKE_HA_TOKEN not in refused.summary
    # The outcome is kept, for `jarvis integrations list`.
    views = {v.name: v for v in await bed.access.list()}
    assert "the token was refused" in (views["homeassistant"].test_result or "")

    fake_homeassistant.token = FAKE_HA_TOKEN
    result = await reachable.probe(ctx)
    assert [o.resource for o in result.observations] == ["integration:cabin"]
    assert (await bed.access.list())[1].test_result == "ok"
