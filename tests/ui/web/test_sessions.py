"""Sessions end when they should: logout and a password change revoke tokens already issued,
and a token in use for over an hour is re-issued (12-hour lifetime)."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import jwt
import pytest
import socketio
from argon2 import PasswordHasher

from agent.runtime import Runtime
from memory.accounts import create_account
from memory.audit_notes import AuditNote
from memory.vault import derive, load_key
from tests.ui.web.conftest import Server
from ui.web.accounts import AccountStore

PASSWORD = "session tester password"


async def account(runtime: Runtime, name: str) -> None:
    await create_account(
        runtime.db,
        username=name,
        password_hash=PasswordHasher().hash(PASSWORD),
        is_admin=False,
        note=AuditNote(actor="system", event="account_created", data={"username": name}),
    )


def sign_in(server: Server, name: str, password: str = PASSWORD) -> str:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        answer = http.post("/login", data={"username": name, "password": password})
        assert answer.status_code == 200, answer.text
        return str(answer.cookies["access_token"])


def whoami(server: Server, token: str) -> int:
    with httpx.Client(base_url=server.url, timeout=30, cookies={"access_token": token}) as http:
        return http.get("/user").status_code


async def test_logout_revokes_the_token_everywhere(server: Server, runtime: Runtime) -> None:
    await account(runtime, "tester-logout")
    laptop, phone = sign_in(server, "tester-logout"), sign_in(server, "tester-logout")
    assert whoami(server, laptop) == 200 and whoami(server, phone) == 200
    with httpx.Client(base_url=server.url, timeout=30, cookies={"access_token": laptop}) as http:
        out = http.post("/logout", headers={"Origin": server.url})
        assert out.status_code == 200
    # A copy of the cookie taken before the logout no longer works, on any device.
    assert whoami(server, laptop) == 401
    assert whoami(server, phone) == 401
    assert whoami(server, sign_in(server, "tester-logout")) == 200


async def test_a_password_change_revokes_old_tokens(server: Server, runtime: Runtime) -> None:
    await account(runtime, "tester-password")
    old = sign_in(server, "tester-password")
    await AccountStore(runtime.db).set_password("tester-password", "a brand new password")
    assert whoami(server, old) == 401
    assert whoami(server, sign_in(server, "tester-password", "a brand new password")) == 200


async def test_tokens_live_twelve_hours_and_are_reissued_after_an_hour(
    server: Server, runtime: Runtime
) -> None:
    await account(runtime, "tester-refresh")
    token = sign_in(server, "tester-refresh")
    secret = derive(load_key(server.settings()), "chainlit").hex()
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 12 * 3600
    aged = jwt.encode({**claims, "iat": int(time.time()) - 2 * 3600}, secret, algorithm="HS256")
    with httpx.Client(base_url=server.url, timeout=30, cookies={"access_token": aged}) as http:
        answer = http.get("/user")
    assert answer.status_code == 200
    fresh = jwt.decode(answer.cookies["access_token"], secret, algorithms=["HS256"])
    assert time.time() - fresh["iat"] < 60 and fresh["metadata"]["tv"] == claims["metadata"]["tv"]
    # A token signed with anything else is no session at all.
    forged = jwt.encode(claims, "not the secret of this installation!", algorithm="HS256")
    assert whoami(server, forged) == 401


async def revoked_token(server: Server, runtime: Runtime, name: str) -> str:
    """A token issued before a logout (a copy someone kept), and a current one after it."""
    await account(runtime, name)
    old = sign_in(server, name)
    await AccountStore(runtime.db).revoke_sessions(name, "test")
    return old


async def test_a_revoked_token_gets_nowhere_by_any_door(server: Server, runtime: Runtime) -> None:
    old = await revoked_token(server, runtime, "tester-doors")
    fresh = sign_in(server, "tester-doors")
    doors: list[dict[str, str] | list[tuple[str, str]]] = [
        {"Cookie": f"a b=1; access_token={old}"},  # a malformed cookie before it
        [("Cookie", f"access_token={old}"), ("Cookie", "theme=dark")],  # two Cookie headers
        {"Authorization": f"Bearer {old}"},  # the header instead of the cookie
    ]
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for headers in doors:
            assert http.get("/user", headers=headers).status_code == 401, headers
        # A revoked token cannot log the owner out of the session they have now.
        out = http.post("/logout", headers={"Cookie": f"access_token={old}"})
        assert out.status_code == 200
        good = http.get("/user", headers={"Authorization": f"Bearer {fresh}"})
        assert good.status_code == 200


async def test_logout_closes_the_open_chat_sockets(server: Server, runtime: Runtime) -> None:
    await account(runtime, "tester-socket")
    token = sign_in(server, "tester-socket")
    closed = asyncio.Event()
    client = socketio.AsyncClient(reconnection=False)
    client.on("disconnect", lambda *_: closed.set())
    await client.connect(
        server.url,
        socketio_path="/ws/socket.io",
        transports=["websocket"],
        headers={"Cookie": f"access_token={token}", "Origin": server.url},
        auth={"sessionId": str(uuid.uuid4()), "clientType": "webapp"},
        wait_timeout=20,
    )
    try:
        assert client.connected
        with httpx.Client(base_url=server.url, timeout=30) as http:
            out = http.post(
                "/logout", headers={"Cookie": f"access_token={token}", "Origin": server.url}
            )
            assert out.status_code == 200
        await asyncio.wait_for(closed.wait(), timeout=10)
    finally:
        await client.disconnect()
    # And the same token cannot open a new one.
    again = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await again.connect(
            server.url,
            socketio_path="/ws/socket.io",
            transports=["websocket"],
            headers={"Cookie": f"access_token={token}", "Origin": server.url},
            auth={"sessionId": str(uuid.uuid4()), "clientType": "webapp"},
            wait_timeout=20,
        )
