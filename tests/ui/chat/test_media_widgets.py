"""Plex now-playing, n8n workflows and Sunshine clients widgets, from real tool outcomes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import chainlit
import pytest

from agent.turn import ToolCallRecord
from policies.outcome import ToolOutcome
from tests.testbed.fake_n8n import API_KEY, FakeN8n
from tests.testbed.fake_plex import TOKEN, FakePlex, episode, movie
from tests.testbed.fake_sunshine import PASSWORD, USER, FakeSunshine
from tests.testbed.integration_gate import IntegrationsGate
from ui.chat import render
from ui.chat.widgets import media

ELEMENTS = Path(__file__).resolve().parents[3] / "public" / "elements"


def dumped(outcome: ToolOutcome) -> dict[str, Any]:
    return outcome.model_dump(mode="json")


async def test_plex_now_playing_from_the_stand_in(
    integrations_gate: IntegrationsGate, fake_plex: FakePlex
) -> None:
    await integrations_gate.add("plex", fake_plex.base_url, {"token": TOKEN})
    fake_plex.sessions = [
        episode("Severance", 2, 3, "Who Is Alive?",
                TranscodeSession={"videoDecision": "transcode", "audioDecision": "copy"}),
        movie("<b>Dune</b>", 2021),
    ]  # fmt: skip
    props = media.plex_now_playing(dumped(await integrations_gate.call("plex.now_playing")))
    assert props["status"] == "ok" and props["untrusted"] and props["total"] == 2
    first, second = props["sessions"]
    assert first["title"] == "Severance S02E03 · Who Is Alive?"
    assert (first["user"], first["player"], first["state_tone"]) == ("evin", "Living Room TV", "ok")
    assert (
        first["stream_text"] == "transcoding: video transcode, audio copy"
        and first["progress"] == 33.3
    )
    assert first["time_text"] == "15m 0s of 45m 0s"
    # Markup in a title stays text: the element renders it as a string.
    assert second["title"] == "<b>Dune</b> (2021)" and second["state_tone"] == "warn"
    assert props["transcoding"] == 1


async def test_n8n_workflows_with_their_last_execution(
    integrations_gate: IntegrationsGate, fake_n8n: FakeN8n
) -> None:
    await integrations_gate.add("n8n", fake_n8n.base_url, {"token": API_KEY})
    backup = fake_n8n.add_workflow("Nightly backup", active=True)
    fake_n8n.add_workflow("Draft")
    fake_n8n.add_execution(backup, "error", minutes_ago=5)
    props = media.n8n_workflows(dumped(await integrations_gate.call("n8n.list_workflows")))
    assert (props["total"], props["active"], props["failing"]) == (2, 1, 1)
    draft, nightly = props["workflows"]
    assert draft["name"] == "Draft" and draft["last"] is None and draft["active_tone"] == "neutral"
    assert nightly["last"]["status"] == "error" and nightly["last"]["tone"] == "bad"
    assert nightly["last"]["when_text"] == "5 min ago"


async def test_sunshine_clients_and_a_failure(
    integrations_gate: IntegrationsGate, fake_sunshine: FakeSunshine
) -> None:
    await integrations_gate.add(
        "sunshine", fake_sunshine.base_url, {"user": USER, "password": PASSWORD}
    )
    fake_sunshine.clients.append({"name": "Steam Deck", "uuid": "A1B2", "cert": "-"})
    props = media.sunshine_clients(dumped(await integrations_gate.call("sunshine.clients")))
    assert props["clients"] == [{"key": "c0", "name": "Steam Deck", "id": "A1B2"}]
    fake_sunshine.fail_next(503, times=3)
    failed = media.sunshine_clients(dumped(await integrations_gate.call("sunshine.clients")))
    assert failed["status"] == "error" and failed["clients"] == []
    assert "HTTP 503" in (failed["message"] or "")


def test_a_turn_result_draws_each_widget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainlit, "CustomElement", SimpleNamespace)
    sessions = {"integration": "plex", "sessions": [{"type": "movie", "title": "Dune"}]}
    for tool, data, element in [
        ("plex.now_playing", sessions, "PlexNowPlaying"),
        ("n8n.list_workflows", {"integration": "n8n", "workflows": []}, "N8nWorkflows"),
        ("sunshine.clients", {"integration": "sunshine", "clients": []}, "SunshineClients"),
    ]:
        record = ToolCallRecord(name=tool, args={}, status="ok", data=data)
        drawn = render.element_for(record)
        assert drawn is not None and drawn.name == element
        assert (ELEMENTS / f"{element}.jsx").exists()
