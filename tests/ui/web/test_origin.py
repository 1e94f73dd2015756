"""Only Jarvis's own origin may drive the chat socket, the chat's actions and the API."""

from __future__ import annotations

import httpx
import pytest
import websockets

from agent.runtime import Runtime
from core.settings import Settings
from tests.ui.web.conftest import Server
from tests.ui.web.test_api import ask_for_write, new_key
from ui.web.origin import OriginGuardMiddleware, OriginPolicy, origin_of

HANDSHAKE = "/ws/socket.io/?EIO=4&transport=polling"


def other_origins(server: Server) -> list[str]:
    """A page on another port of the same host, a sibling name, and a look-alike."""
    port = int(server.url.rsplit(":", 1)[1])
    return [f"http://127.0.0.1:{port + 1}", "http://evil.localhost", "null"]


def test_origin_of_normalises() -> None:
    assert origin_of("HTTPS://Host.EvinDrake.net:443/path?q") == "https://host.evindrake.net"
    assert origin_of("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert origin_of("http://[::1]:8000") == "http://[::1]:8000"
    assert origin_of("javascript:alert(1)") is None
    assert origin_of("null") is None
    assert origin_of("http://host:99999") is None


def test_policy_allows_the_public_origin_and_the_address_itself() -> None:
    policy = OriginPolicy(
        Settings(public_url="https://host.evindrake.net", allowed_origins=["http://10.0.0.5:8000"])
    )
    assert policy.allows("https://host.evindrake.net", "127.0.0.1:8000")
    assert policy.allows("http://10.0.0.5:8000", "whatever")
    assert policy.allows("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not policy.allows("https://n8n.evindrake.net", "host.evindrake.net")
    assert not policy.allows("http://127.0.0.1:9000", "127.0.0.1:8000")
    assert policy.allows("http://localhost:8000", "localhost:8000")
    assert not policy.allows("http://localhost:9000", "localhost:8000")
    # A name that resolves to us is not enough: someone else's DNS could rebind it.
    assert not policy.allows("http://evil.example:8000", "evil.example:8000")
    assert policy.secure_cookies


def test_bad_origin_setting_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not an origin"):
        Settings(allowed_origins=["host.evindrake.net/path"])


def test_socket_handshake_from_another_origin_is_refused(server: Server) -> None:
    with server.client() as http:
        own = http.get(HANDSHAKE, headers={"Origin": server.url})
        assert own.status_code == 200 and own.text.startswith("0{")
        for origin in other_origins(server):
            refused = http.get(HANDSHAKE, headers={"Origin": origin})
            assert refused.status_code == 403, origin
            assert "access-control-allow-origin" not in refused.headers


async def test_websocket_from_another_origin_is_closed(server: Server) -> None:
    url = server.url.replace("http://", "ws://") + "/ws/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(url, origin=server.url, open_timeout=10) as own:  # type: ignore[arg-type]
        assert str(await own.recv()).startswith("0{")
    for origin in other_origins(server)[:2]:
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(url, origin=origin, open_timeout=10):  # type: ignore[arg-type]
                pass


def test_state_changing_routes_from_another_origin_are_refused(server: Server) -> None:
    evil = other_origins(server)[0]
    with server.client() as http:
        for path, body in [
            ("/project/action", {"sessionId": "x", "action": {"name": "jarvis_decide"}}),
            ("/login", None),
            ("/logout", None),
        ]:
            answer = http.post(path, json=body, headers={"Origin": evil})
            assert answer.status_code == 403, path
            assert answer.json() == {"detail": "cross-origin request refused"}
        referred = http.post("/login", headers={"Referer": f"{evil}/page.html"})
        assert referred.status_code == 403


async def test_api_decision_from_another_origin_changes_nothing(
    server: Server, runtime: Runtime
) -> None:
    approval_id, target = await ask_for_write(runtime, server, "origin.yaml")
    key = await new_key(runtime, "origin-test")
    evil = other_origins(server)[0]
    with server.client() as http:
        auth = {"Authorization": f"Bearer {key}"}
        refused = http.post(
            f"/api/v1/approvals/{approval_id}/decision",
            json={"approve": True},
            headers={**auth, "Origin": evil},
        )
        assert refused.status_code == 403
        assert (await runtime.gate.approvals.get(approval_id)).status == "pending"
        assert target.read_text() == "a: 1\n"
        # A non-browser client (no Origin, no Referer) with its key still works.
        fine = http.get("/api/v1/approvals", headers=auth)
        assert fine.status_code == 200


def test_safe_reads_from_anywhere_still_work(server: Server) -> None:
    evil = other_origins(server)[0]
    answer = httpx.get(f"{server.url}/healthz", headers={"Origin": evil}, timeout=10)
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


async def test_cookies_get_the_secure_attribute_behind_https() -> None:
    async def app(scope: object, receive: object, send: object) -> None:
        await send(  # type: ignore[operator]
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"set-cookie", b"access_token=insecure-but-not-Secure; Path=/"),
                    (b"set-cookie", b"other=1; Path=/; Secure"),
                ],
            }
        )

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    guard = OriginGuardMiddleware(app, OriginPolicy(Settings(public_url="https://h.example.net")))
    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    await guard(scope, None, send)  # type: ignore[arg-type]
    cookies = [v for k, v in sent[0]["headers"] if k == b"set-cookie"]  # type: ignore[attr-defined]
    assert cookies == [
        b"access_token=insecure-but-not-Secure; Path=/; Secure",
        b"other=1; Path=/; Secure",
    ]
