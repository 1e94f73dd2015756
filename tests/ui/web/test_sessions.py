"""Sessions end when they should: logout and a password change revoke tokens already issued,
and a token in use for over an hour is re-issued (12-hour lifetime)."""

from __future__ import annotations

import time

import httpx
import jwt
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
