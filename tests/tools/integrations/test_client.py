"""The shared client against a real local Home Assistant stand-in: retries and typed errors."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime

import pytest

from core.errors import AuthFailed, BadInput, BadReply, NotFound, RateLimited, Unreachable
from core.settings import IntegrationsSettings
from memory.integrations import IntegrationView
from tests.testbed.fake_homeassistant import FAKE_HA_TOKEN, FakeHomeAssistant
from tools.homeassistant.client import HomeAssistant
from tools.homeassistant.kind import KIND
from tools.integrations.kinds import Connection

FAST = IntegrationsSettings(
    timeout_seconds=2, retries=2, backoff_seconds=0.01, max_retry_after_seconds=1.5
)


def client(
    url: str, token: str = FAKE_HA_TOKEN, settings: IntegrationsSettings = FAST
) -> HomeAssistant:
    view = IntegrationView(
        name="homeassistant",
        kind="homeassistant",
        url=url,
        credentials=["token"],
        options={},
        created_at=datetime.now(UTC),
    )
    return KIND.connect(Connection(view, {"token": token}, settings))


async def test_reads_with_the_bearer_token(fake_homeassistant: FakeHomeAssistant) -> None:
    async with client(fake_homeassistant.url) as ha:
        assert await ha.probe() == "Home Assistant 2024.6.3"
        states = await ha.states()
        kitchen = await ha.state("light.kitchen")
    assert "light.kitchen" in {s.entity_id for s in states}
    assert (kitchen.friendly_name, kitchen.state, kitchen.domain) == (
        "Kitchen Light",
        "off",
        "light",
    )
    assert all(r.authorised for r in fake_homeassistant.requests)


async def test_a_wrong_token_is_auth_failed(fake_homeassistant: FakeHomeAssistant) -> None:
    async with client(fake_homeassistant.url, token="wrong-token-123") as ha:
        with pytest.raises(AuthFailed, match="the token was refused") as caught:
            await ha.states()
    assert "wrong-token-123" not in caught.value.message
    # A refusal is final: asked once, not retried.
    assert len(fake_homeassistant.requests) == 1


async def test_an_unknown_entity_is_not_found(fake_homeassistant: FakeHomeAssistant) -> None:
    async with client(fake_homeassistant.url) as ha:
        with pytest.raises(NotFound, match=r"no entity light\.attic"):
            await ha.state("light.attic")


async def test_a_bad_service_call_is_bad_input(fake_homeassistant: FakeHomeAssistant) -> None:
    async with client(fake_homeassistant.url) as ha:
        with pytest.raises(BadInput, match=r"HTTP 400.*Service light.explode not found"):
            await ha.call_service("light", "explode", {"entity_id": "light.kitchen"})
    assert fake_homeassistant.states["light.kitchen"]["state"] == "off"


async def test_5xx_and_429_are_retried(fake_homeassistant: FakeHomeAssistant) -> None:
    fake_homeassistant.script(503, "upstream restarting")
    fake_homeassistant.script(429, "slow down", {"Retry-After": "1"})
    started = time.monotonic()
    async with client(fake_homeassistant.url) as ha:
        changed = await ha.call_service("light", "turn_on", {"entity_id": "light.kitchen"})
    # Retry-After: 1 was honoured (it is within the 1.5 s bound).
    assert time.monotonic() - started >= 1.0
    assert [s.state for s in changed] == ["on"]
    assert fake_homeassistant.states["light.kitchen"]["state"] == "on"
    assert [r.path for r in fake_homeassistant.requests] == ["/api/services/light/turn_on"] * 3


async def test_retries_end_in_a_typed_error(fake_homeassistant: FakeHomeAssistant) -> None:
    for _ in range(3):
        fake_homeassistant.script(500, '{"message": "boom"}')
    async with client(fake_homeassistant.url) as ha:
        with pytest.raises(Unreachable, match="HTTP 500: boom"):
            await ha.states()
    assert len(fake_homeassistant.requests) == 3  # one try and two retries


async def test_a_500_on_a_post_is_not_repeated(fake_homeassistant: FakeHomeAssistant) -> None:
    # It may have taken effect: reported, not sent again.
    fake_homeassistant.script(500, '{"message": "half done"}')
    async with client(fake_homeassistant.url) as ha:
        with pytest.raises(Unreachable, match="half done"):
            await ha.call_service("switch", "turn_on", {"entity_id": "switch.coffee_maker"})
    assert len(fake_homeassistant.requests) == 1


@pytest.mark.parametrize("status", [502, 504])
async def test_a_gateway_error_on_a_post_is_not_repeated(
    fake_homeassistant: FakeHomeAssistant, status: int
) -> None:
    # A proxy that gave up waiting (504) or lost the reply (502) may have passed the call on:
    # a toggle sent twice would undo itself, a webhook would run twice.
    fake_homeassistant.script(status, "Bad Gateway")
    async with client(fake_homeassistant.url) as ha:
        with pytest.raises(Unreachable, match=f"HTTP {status}"):
            await ha.call_service("switch", "toggle", {"entity_id": "switch.coffee_maker"})
    assert len(fake_homeassistant.requests) == 1


async def test_a_long_retry_after_is_reported(fake_homeassistant: FakeHomeAssistant) -> None:
    fake_homeassistant.script(429, "", {"Retry-After": "120"})
    async with client(fake_homeassistant.url) as ha:
        with pytest.raises(RateLimited, match="asked to wait 120 s") as caught:
            await ha.states()
    assert caught.value.retry_after == 120


async def test_a_malformed_body_is_a_bad_reply(fake_homeassistant: FakeHomeAssistant) -> None:
    fake_homeassistant.script(200, "<html>Welcome to nginx</html>")
    fake_homeassistant.script(200, '[{"state": "on"}]')
    async with client(fake_homeassistant.url) as ha:
        with pytest.raises(BadReply, match=r"not JSON.*not what its API documents"):
            await ha.states()
        with pytest.raises(BadReply, match="without entity_id"):
            await ha.states()


async def test_a_redirect_is_not_followed(fake_homeassistant: FakeHomeAssistant) -> None:
    fake_homeassistant.script(302, "", {"Location": "https://login.example.net/"})
    async with client(fake_homeassistant.url) as ha:
        with pytest.raises(BadReply, match=r"redirect to https://login\.example\.net/"):
            await ha.states()
    assert len(fake_homeassistant.requests) == 1


async def test_refused_and_silent_services_are_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with client(f"http://127.0.0.1:{port}") as ha:
        with pytest.raises(Unreachable, match="cannot be reached"):
            await ha.states()
    # A listener that never answers: the timeout, not a hang.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        quick = IntegrationsSettings(timeout_seconds=0.3, retries=0)
        async with client(f"http://127.0.0.1:{silent.getsockname()[1]}", settings=quick) as ha:
            with pytest.raises(Unreachable, match=r"did not answer within 0\.3 s"):
                await ha.states()


async def test_an_echoed_token_is_never_repeated(fake_homeassistant: FakeHomeAssistant) -> None:
    # A proxy that echoes the request headers in its error page.
    fake_homeassistant.script(400, f'{{"message": "bad request, got Bearer {FAKE_HA_TOKEN}"}}')
    async with client(fake_homeassistant.url) as ha:
        with pytest.raises(BadInput) as caught:
            await ha.call_service("light", "turn_on", {"entity_id": "light.kitchen"})
    assert FAKE_HA_TOKEN not in caught.value.message
    assert "got [redacted]" in caught.value.message
