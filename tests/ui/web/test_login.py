"""Signing in through Chainlit's real /login: the generated admin, wrong passwords, lockout."""

from __future__ import annotations

import stat
import time

import httpx
from sqlalchemy import select, text

from memory.db import make_sync_engine
from memory.models import AuditEntry
from memory.web_models import AccountRow
from tests.ui.web.conftest import LOGIN_MAX_FAILURES, LOGIN_WINDOW_SECONDS, Server


def login(server: Server, password: str, username: str = "admin") -> int:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        answer = http.post("/login", data={"username": username, "password": password})
    return answer.status_code


def test_generated_admin_password_is_shown_once_and_kept_0600(server: Server) -> None:
    path = server.data_dir / "initial-admin-password"
    password = path.read_text().strip()
    assert len(password) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    shown = server.stderr.read_text()
    assert shown.count(password) == 1 and "shown only this once" in shown
    assert str(path) in shown

    engine = make_sync_engine(server.db_url)
    try:
        with engine.connect() as conn:
            query = select(AccountRow.password_hash).where(AccountRow.username == "admin")
            [stored] = conn.execute(query).scalars().all()
            tables = ["accounts", "audit_log", "users"]
            dumps = [str(conn.execute(text(f"SELECT * FROM {t}")).all()) for t in tables]
    finally:
        engine.dispose()
    assert stored.startswith("$argon2id$")
    assert all(password not in dump for dump in dumps)


def test_chainlit_login_accepts_the_admin_then_locks_out(server: Server) -> None:
    password = (server.data_dir / "initial-admin-password").read_text().strip()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        ok = http.post("/login", data={"username": "admin", "password": password})
        assert ok.status_code == 200, ok.text
        assert "access_token" in ok.cookies
        me = http.get("/user")
        assert me.status_code == 200 and me.json()["identifier"] == "admin"
        assert me.json()["metadata"]["role"] == "admin"

    for _ in range(LOGIN_MAX_FAILURES):
        assert login(server, "not the password") == 401
    started = time.monotonic()
    assert login(server, password) == 401  # locked: even the right password is refused
    assert login(server, password, username="someone") == 401  # and so is this address

    time.sleep(max(0.0, LOGIN_WINDOW_SECONDS + 0.5 - (time.monotonic() - started)))
    assert login(server, password) == 200

    engine = make_sync_engine(server.db_url)
    try:
        with engine.connect() as conn:
            events = conn.execute(select(AuditEntry.event, AuditEntry.data)).all()
            users = conn.execute(text("SELECT identifier FROM users")).scalars().all()
    finally:
        engine.dispose()
    names = [e for e, _ in events]
    assert names.count("login_failed") >= LOGIN_MAX_FAILURES
    assert "login_locked" in names and names.count("login") >= 2
    assert all(password not in data for _, data in events)
    assert users == ["admin"]  # Chainlit stored its user through our data layer
