"""The dashboard's integrations: a widget per configured one, read through the gate, each
failure said with its reason while the others still show."""

from __future__ import annotations

import socket
import time
from types import SimpleNamespace

import chainlit
import pytest

from policies.gate import CallContext
from tests.testbed.fake_homeassistant import FAKE_HA_TOKEN, FakeHomeAssistant
from tests.testbed.fake_n8n import API_KEY, FakeN8n
from tests.testbed.fake_plex import TOKEN, FakePlex, movie
from tests.testbed.fake_sunshine import PASSWORD, USER, FakeSunshine
from tests.testbed.integration_gate import IntegrationsGate
from ui.chat import dashboard, live


@pytest.fixture
def wired(integrations_gate: IntegrationsGate, monkeypatch: pytest.MonkeyPatch) -> IntegrationsGate:
    monkeypatch.setattr(chainlit, "CustomElement", SimpleNamespace)
    monkeypatch.setattr(live, "call_context", lambda: CallContext(actor="user:evin"))
    runtime = SimpleNamespace(gate=integrations_gate.gate, deps=integrations_gate.deps)
    monkeypatch.setattr(dashboard, "get_state", lambda: SimpleNamespace(runtime=runtime))
    return integrations_gate


async def test_none_configured_adds_nothing(wired: IntegrationsGate) -> None:
    assert await dashboard.integrations() == ([], [])


async def test_each_configured_kind_has_its_widget(
    wired: IntegrationsGate,
    fake_homeassistant: FakeHomeAssistant,
    fake_plex: FakePlex,
    fake_n8n: FakeN8n,
    fake_sunshine: FakeSunshine,
) -> None:
    await wired.add("homeassistant", fake_homeassistant.url, {"token": FAKE_HA_TOKEN})
    await wired.add("plex", fake_plex.base_url, {"token": TOKEN})
    await wired.add("n8n", fake_n8n.base_url, {"token": API_KEY})
    await wired.add("sunshine", fake_sunshine.base_url, {"user": USER, "password": PASSWORD})
    fake_plex.sessions = [movie("Dune", 2021)]
    backup = fake_n8n.add_workflow("Nightly backup", active=True)
    fake_n8n.add_execution(backup, "error", minutes_ago=5)
    fake_sunshine.clients.append({"name": "Steam Deck", "uuid": "A1B2", "cert": "-"})

    problems, elements = await dashboard.integrations()
    assert problems == []
    by_name = {e.name: e.props for e in elements}
    assert list(by_name) == ["EntityCard", "PlexNowPlaying", "N8nWorkflows", "SunshineClients"]
    house = {e["entity_id"]: e["state"] for e in by_name["EntityCard"]["entities"]}
    assert house["light.kitchen"] == "off" and "switch.coffee_maker" in house
    assert not any(k.startswith("sensor.") for k in house)
    assert by_name["PlexNowPlaying"]["sessions"][0]["title"] == "Dune (2021)"
    [nightly] = by_name["N8nWorkflows"]["workflows"]
    assert nightly["name"] == "Nightly backup" and nightly["last"]["status"] == "error"
    assert by_name["SunshineClients"]["clients"][0]["name"] == "Steam Deck"

    # Sunshine failing shows its reason in its widget and in words; the others still show.
    fake_sunshine.fail_next(503, times=3)
    problems, elements = await dashboard.integrations()
    assert [e.name for e in elements][-1] == "SunshineClients"
    sunshine = elements[-1].props
    assert sunshine["status"] == "error" and "HTTP 503" in sunshine["message"]
    [said] = problems
    # The service's own words are data: inline code, not markup.
    assert said.startswith("Sunshine sunshine: `Sunshine at https://") and "HTTP 503" in said
    assert elements[1].props["sessions"][0]["title"] == "Dune (2021)"


async def test_a_silent_one_is_said_within_the_bound(
    wired: IntegrationsGate,
    fake_plex: FakePlex,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dashboard, "INTEGRATION_SECONDS", 1.0)
    await wired.add("plex", fake_plex.base_url, {"token": TOKEN})
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        await wired.add("homeassistant", url, {"token": "t0k3n"}, "cabin")
        started = time.monotonic()
        problems, elements = await dashboard.integrations()
        assert time.monotonic() - started < 3
    assert problems == ["Home Assistant cabin: `Home Assistant cabin did not answer within 1 s`"]
    card, plex = elements
    assert card.name == "EntityCard" and card.props["status"] == "error"
    assert plex.name == "PlexNowPlaying" and plex.props["status"] == "no_data"  # none playing
