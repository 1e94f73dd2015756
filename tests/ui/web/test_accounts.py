"""Accounts: argon2 hashes, the first admin, verification, rate limiting and its audit trail."""

from __future__ import annotations

import asyncio
import json
from typing import Literal

import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr
from sqlalchemy import select, text

from core.errors import BadInput, NotFound
from memory.db import Database
from memory.models import AuditEntry
from memory.web_models import AccountRow
from ui.web.accounts import AccountStore, LoginLimiter

# Cheap parameters keep the suite fast; one test checks the production defaults.
FAST = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


class CountingHasher(PasswordHasher):
    """Counts verifications, to show unknown users cost as much as known ones."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8192, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verifications += 1
        return super().verify(hash, password)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def audit_events(db: Database) -> list[tuple[str, str, dict[str, object]]]:
    async with db.session() as session:
        rows = (await session.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars()
        return [(r.actor, r.event, json.loads(r.data)) for r in rows]


async def test_first_run_generates_a_strong_admin_password_once(database: Database) -> None:
    store = AccountStore(database)
    password = await store.ensure_admin(None)
    assert password is not None and len(password) >= 32
    assert await store.ensure_admin(None) is None
    assert await store.ensure_admin(SecretStr("another password entirely")) is None

    async with database.session() as session:
        [row] = (await session.execute(select(AccountRow))).scalars().all()
        everything = str((await session.execute(text("SELECT * FROM accounts"))).all())
        everything += str((await session.execute(text("SELECT * FROM audit_log"))).all())
    assert row.username == "admin" and row.is_admin
    assert row.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert password not in everything

    account = await store.verify("admin", password)
    assert account is not None and account.is_admin and account.last_login_at is not None
    assert await store.verify("admin", password + "x") is None
    assert await store.verify("Admin", password) is None
    [(actor, event, data)] = await audit_events(database)
    assert (actor, event, data["source"]) == ("system", "account_created", "generated")


async def test_a_configured_password_is_used_and_checked(database: Database) -> None:
    store = AccountStore(database, FAST)
    with pytest.raises(BadInput, match="12"):
        await store.ensure_admin(SecretStr("short"))
    assert await store.ensure_admin(SecretStr("correct horse battery")) is None
    assert await store.verify("admin", "correct horse battery") is not None

    await store.set_password("admin", SecretStr("a brand new passphrase"))
    assert await store.verify("admin", "correct horse battery") is None
    assert await store.verify("admin", "a brand new passphrase") is not None
    with pytest.raises(NotFound):
        await store.set_password("nobody", "whatever whatever")
    with pytest.raises(BadInput):
        await store.set_password("admin", "tiny")
    assert [e for _, e, _ in await audit_events(database)] == [
        "account_created",
        "password_changed",
    ]


async def test_unknown_users_cost_a_hash_check_too(database: Database) -> None:
    hasher = CountingHasher()
    store = AccountStore(database, hasher)
    await store.ensure_admin(SecretStr("correct horse battery"))
    assert await store.verify("ghost", "correct horse battery") is None
    assert hasher.verifications == 1
    assert await store.verify("admin", "wrong wrong wrong") is None
    assert hasher.verifications == 2


async def test_weak_hashes_are_upgraded_at_login(database: Database) -> None:
    await AccountStore(database, FAST).ensure_admin(SecretStr("correct horse battery"))
    strong = AccountStore(database)  # production parameters
    assert await strong.verify("admin", "correct horse battery") is not None
    async with database.session() as session:
        stored = (await session.execute(select(AccountRow.password_hash))).scalar_one()
    assert "m=65536,t=3,p=4" in stored
    assert await strong.verify("admin", "correct horse battery") is not None


async def test_lockout_refuses_even_the_right_password_until_the_window_passes(
    database: Database,
) -> None:
    store = AccountStore(database, FAST)
    await store.ensure_admin(SecretStr("correct horse battery"))
    clock = Clock()
    limiter = LoginLimiter(max_failures=3, window_seconds=60, clock=clock)

    for _ in range(3):
        assert await store.login("admin", "guess guess guess", limiter, "10.0.0.9") is None
        clock.now += 1
    assert await store.login("admin", "correct horse battery", limiter, "10.0.0.9") is None
    # Another address does not help: the username itself is locked.
    assert await store.login("admin", "correct horse battery", limiter, "10.0.0.10") is None

    clock.now += 58  # the first failure leaves the window; two remain
    assert await store.login("admin", "correct horse battery", limiter, "10.0.0.9") is not None

    events = await audit_events(database)
    kinds = [e for _, e, _ in events]
    assert kinds == [
        "account_created",
        "login_failed",
        "login_failed",
        "login_failed",
        "login_locked",
        "login_locked",
        "login",
    ]
    assert events[3][2] == {"username": "admin", "address": "10.0.0.9", "now_locked": True}
    assert events[-1][0] == "user:admin"
    assert "correct horse battery" not in str(events) and "guess" not in str(events)


async def test_one_address_guessing_many_usernames_is_locked(database: Database) -> None:
    store = AccountStore(database, FAST)
    await store.ensure_admin(SecretStr("correct horse battery"))
    limiter = LoginLimiter(max_failures=3, window_seconds=60, clock=Clock())
    for name in ("root", "evin", "<script>"):
        assert await store.login(name, "whatever whatever", limiter, "10.0.0.7") is None
    assert await store.login("admin", "correct horse battery", limiter, "10.0.0.7") is None
    assert await store.login("admin", "correct horse battery", limiter, "10.0.0.8") is not None
    names = [d.get("username") for _, _, d in await audit_events(database)]
    assert "(invalid username)" in names and "<script>" not in names


def test_limiter_forgets_old_failures_and_bounds_its_memory() -> None:
    clock = Clock()
    limiter = LoginLimiter(max_failures=2, window_seconds=10, clock=clock)
    limiter.failed("Evin")
    assert not limiter.locked("evin")
    limiter.failed("EVIN")
    assert limiter.locked("evin")  # case does not buy extra guesses
    clock.now += 10
    assert not limiter.locked("evin")
    limiter.failed("evin")
    limiter.succeeded("evin")
    limiter.failed("evin")
    assert not limiter.locked("evin")

    limiter.MAX_KEYS = 50
    for i in range(200):
        limiter.failed(f"user{i}")
    assert len(limiter._failures) <= 50


async def test_parallel_guesses_cannot_slip_past_the_lock(database: Database) -> None:
    hasher = CountingHasher()
    store = AccountStore(database, hasher)
    await store.ensure_admin(SecretStr("correct horse battery"))
    limiter = LoginLimiter(max_failures=5, window_seconds=60, clock=Clock())
    guesses = [
        store.login("admin", f"guess number {i:03d}", limiter, "10.0.0.9") for i in range(60)
    ]
    assert all(result is None for result in await asyncio.gather(*guesses))
    # Counted before argon2 runs, and at most two checks at once: never more than the budget.
    assert 1 <= hasher.verifications <= 2
    events = [event for _, event, _ in await audit_events(database)]
    assert events.count("login_failed") == hasher.verifications
    assert events.count("login_locked") == 60 - hasher.verifications


async def test_guesses_in_waves_stop_at_the_budget(database: Database) -> None:
    hasher = CountingHasher()
    store = AccountStore(database, hasher)
    await store.ensure_admin(SecretStr("correct horse battery"))
    limiter = LoginLimiter(max_failures=5, window_seconds=60, clock=Clock())
    for wave in range(10):
        guesses = [
            store.login("admin", f"guess {wave} {i}", limiter, f"10.0.{wave}.{i}") for i in range(6)
        ]
        await asyncio.gather(*guesses)
    assert hasher.verifications == 5
    # The account's budget is spent, from any address, even with the right password.
    assert await store.login("admin", "correct horse battery", limiter, "10.9.9.9") is None


async def test_concurrent_attempts_are_capped_per_address(database: Database) -> None:
    hasher = CountingHasher()
    store = AccountStore(database, hasher)
    await store.ensure_admin(SecretStr("correct horse battery"))
    limiter = LoginLimiter(max_failures=100, window_seconds=60, clock=Clock(), max_concurrent=2)
    names = [f"user{i}" for i in range(10)]
    results = await asyncio.gather(
        *(store.login(name, "whatever whatever", limiter, "10.0.0.7") for name in names)
    )
    assert results == [None] * 10
    events = [event for _, event, _ in await audit_events(database)]
    assert events.count("login_locked") >= 8  # only two ran; the rest were turned away
    # A right password afterwards still works: refusals were not counted as failures twice.
    assert await store.login("admin", "correct horse battery", limiter, "10.0.0.7") is not None


def test_a_flood_of_new_names_does_not_unlock_a_locked_account() -> None:
    limiter = LoginLimiter(max_failures=3, window_seconds=60, clock=Clock())
    for _ in range(3):
        limiter.failed("admin", "10.0.0.1")
    limiter.MAX_KEYS = 100
    for i in range(500):
        limiter.failed(f"made-up-{i}", f"2001:db8::{i:x}")
    assert limiter.locked("admin")
    assert len(limiter._failures) <= 100
