"""The Plex client against the local PMS stand-in: token, XML, and each error reply."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import AuthFailed, BadReply, NotFound, RateLimited, Unreachable
from memory.integrations import IntegrationView
from tests.testbed.fake_plex import TOKEN, FakePlex, episode, movie
from tests.testbed.integration_gate import FAST
from tools.integrations.kinds import Connection
from tools.plex.client import Plex
from tools.plex.kind import KIND


def client(url: str, token: str = TOKEN) -> Plex:
    view = IntegrationView(
        name="plex", kind="plex", url=url, credentials=["token"], options={},
        created_at=datetime.now(UTC),
    )  # fmt: skip
    return KIND.connect(Connection(view, {"token": token}, FAST))


async def test_reads_sessions_sections_and_new_items(fake_plex: FakePlex) -> None:
    fake_plex.sessions = [episode("Severance", 2, 3, "Who Is Alive?"), movie("Dune", 2021)]
    fake_plex.recent = [{"_tag": "Video", "type": "movie", "title": "Arrival", "addedAt": 5}]
    async with client(fake_plex.base_url) as plex:
        assert await plex.probe() == "plexbox (Plex 1.41.3.9314)"
        sessions = await plex.sessions()
        sections = await plex.libraries()
        recent = await plex.recently_added(5)
    assert [s.title for s in sessions] == ["Who Is Alive?", "Dune"]
    assert sessions[0].show == "Severance" and sessions[0].user == "evin"
    assert [s.title for s in sections] == ["Movies", "TV Shows"]
    assert [i.title for i in recent] == ["Arrival"]
    # The token travels as a header, never in the URL; XML is what was asked for.
    for request in fake_plex.requests:
        assert request.headers["X-Plex-Token"] == TOKEN and "X-Plex-Token" not in request.query
        assert request.headers["Accept"] == "application/xml"
    assert fake_plex.requests[-1].query == {
        "X-Plex-Container-Start": "0",
        "X-Plex-Container-Size": "5",
    }


async def test_the_stand_in_answers_json_when_asked_and_the_client_refuses_it(
    fake_plex: FakePlex,
) -> None:
    # A proxy that rewrote Accept would hand back JSON: that is not what the client asked for.
    fake_plex.sessions = [movie("Dune", 2021)]
    async with client(fake_plex.base_url) as plex:
        plex.http.headers["Accept"] = "application/json"
        with pytest.raises(BadReply, match="not a Plex MediaContainer"):
            await plex.sessions()


async def test_a_wrong_token_is_refused_once(fake_plex: FakePlex) -> None:
    async with client(fake_plex.base_url, token="not-the-token-42") as plex:
        with pytest.raises(AuthFailed, match="token was refused") as caught:
            await plex.sessions()
    assert "not-the-token-42" not in caught.value.message
    assert len(fake_plex.requests) == 1


async def test_refreshing_an_unknown_section_is_not_found(fake_plex: FakePlex) -> None:
    async with client(fake_plex.base_url) as plex:
        with pytest.raises(NotFound, match="no library section 9"):
            await plex.refresh("9")
        await plex.refresh("2")
    assert fake_plex.refreshed == ["2"]


async def test_429_and_5xx_are_retried_then_reported(fake_plex: FakePlex) -> None:
    fake_plex.fail_next(429, headers={"Retry-After": "0"})
    fake_plex.fail_next(503, b"<html>busy</html>", content_type="text/html")
    async with client(fake_plex.base_url) as plex:
        assert await plex.sessions() == []
    assert len(fake_plex.requests) == 3
    fake_plex.fail_next(500, b"boom", content_type="text/plain", times=3)
    async with client(fake_plex.base_url) as plex:
        with pytest.raises(Unreachable, match="HTTP 500"):
            await plex.sessions()
    fake_plex.fail_next(429, headers={"Retry-After": "3600"})
    async with client(fake_plex.base_url) as plex:
        with pytest.raises(RateLimited, match="3600 s"):
            await plex.sessions()


async def test_a_malformed_body_is_a_bad_reply(fake_plex: FakePlex) -> None:
    fake_plex.fail_next(200, b"<MediaContainer><Video", content_type="text/xml")
    async with client(fake_plex.base_url) as plex:
        with pytest.raises(BadReply, match="not XML"):
            await plex.sessions()


async def test_nothing_listening_is_unreachable() -> None:
    async with client("http://127.0.0.1:9") as plex:
        with pytest.raises(Unreachable, match="cannot be reached"):
            await plex.sessions()
