"""plex.* through the gate against the PMS stand-in: reads answer, a refresh waits for you."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import BadInput
from memory.models import AuditEntry
from tests.testbed.fake_plex import TOKEN, FakePlex, episode
from tests.testbed.integration_gate import IntegrationsGate


async def test_now_playing_names_the_title_and_marks_it_untrusted(
    integrations_gate: IntegrationsGate, fake_plex: FakePlex
) -> None:
    await integrations_gate.add("plex", fake_plex.base_url, {"token": TOKEN})
    fake_plex.sessions = [episode("Severance", 2, 3, "Who Is Alive?", TranscodeSession={
        "videoDecision": "transcode", "audioDecision": "copy"})]  # fmt: skip
    outcome = await integrations_gate.call("plex.now_playing")
    assert outcome.status == "ok" and outcome.untrusted
    assert outcome.invocation.resource == "integration:plex"
    (session,) = integrations_gate.data(outcome)["sessions"]
    assert (session["show"], session["title"], session["user"]) == (
        "Severance",
        "Who Is Alive?",
        "evin",
    )
    assert session["transcode"] is True and session["progress_percent"] == 33.3
    fake_plex.sessions = []
    assert (await integrations_gate.call("plex.now_playing")).status == "no_data"


async def test_libraries_and_recently_added(
    integrations_gate: IntegrationsGate, fake_plex: FakePlex
) -> None:
    await integrations_gate.add("plex", fake_plex.base_url, {"token": TOKEN}, name="den")
    fake_plex.recent = [
        {"_tag": "Video", "type": "movie", "title": f"Film {i}", "addedAt": i} for i in range(5)
    ]
    libs = await integrations_gate.call("plex.libraries", {"integration": "den"})
    assert [lib["title"] for lib in integrations_gate.data(libs)["libraries"]] == [
        "Movies",
        "TV Shows",
    ]
    recent = await integrations_gate.call("plex.recently_added", {"limit": 2})
    assert recent.invocation.resource == "integration:den"
    assert [i["title"] for i in integrations_gate.data(recent)["items"]] == ["Film 4", "Film 3"]


async def test_a_refresh_waits_for_approval_and_only_then_reaches_plex(
    integrations_gate: IntegrationsGate, fake_plex: FakePlex
) -> None:
    await integrations_gate.add("plex", fake_plex.base_url, {"token": TOKEN})
    asked = await integrations_gate.call("plex.refresh_library", {"section": "2"})
    assert asked.status == "approval_required"
    assert asked.invocation.resource == "integration:plex/library/2"
    assert fake_plex.refreshed == []
    done = await integrations_gate.approve(asked)
    assert done.status == "executed", done
    assert done.result is not None and done.result["data"]["title"] == "TV Shows"
    assert fake_plex.refreshed == ["2"]
    # Nothing the gate stored carries the token.
    async with integrations_gate.db.session() as session:
        entries = list((await session.execute(select(AuditEntry))).scalars())
    assert entries and all(TOKEN not in str(e.data) for e in entries)


async def test_a_library_is_named_by_id_or_title_and_an_unknown_one_is_refused(
    integrations_gate: IntegrationsGate, fake_plex: FakePlex
) -> None:
    await integrations_gate.add("plex", fake_plex.base_url, {"token": TOKEN})
    asked = await integrations_gate.call("plex.refresh_library", {"section": "movies"})
    assert asked.invocation.args["section"] == "1"
    with pytest.raises(BadInput, match=r"no library '\.\./\.\./x'; its libraries: Movies \(1\)"):
        await integrations_gate.call("plex.refresh_library", {"section": "../../x"})
    assert fake_plex.refreshed == []


async def test_without_a_configured_plex_it_says_what_to_add(
    integrations_gate: IntegrationsGate,
) -> None:
    read = await integrations_gate.call("plex.now_playing")
    assert read.status == "error" and "jarvis integrations add plex" in (read.message or "")
    write = await integrations_gate.call("plex.refresh_library", {"section": "1"})
    assert write.status == "error" and write.approval_id is None
    assert "jarvis integrations add plex" in (write.message or "")


async def test_a_token_plex_no_longer_accepts_is_reported(
    integrations_gate: IntegrationsGate, fake_plex: FakePlex
) -> None:
    await integrations_gate.add("plex", fake_plex.base_url, {"token": TOKEN})
    fake_plex.token = "rotated-token"
    outcome = await integrations_gate.call("plex.libraries")
    assert outcome.status == "error" and "token was refused" in (outcome.message or "")
    assert TOKEN not in (outcome.message or "")
