"""Web accounts: argon2 password hashes, the first admin, and a login rate limiter."""

from __future__ import annotations

import asyncio
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, SecretStr

from core.errors import BadInput, NotFound
from memory import audit
from memory.accounts import (
    AccountRecord,
    bump_token_version,
    count_accounts,
    create_account,
    find_account,
    record_login,
    set_password_hash,
)
from memory.audit_notes import AuditNote
from memory.db import Database
from memory.models import utcnow

ADMIN = "admin"
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class Account(BaseModel):
    """A signed-in person as the app sees them (never the hash)."""

    id: int
    username: str
    is_admin: bool
    created_at: datetime
    last_login_at: datetime | None
    token_version: int = 0


def _view(row: AccountRecord) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        is_admin=row.is_admin,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        token_version=row.token_version,
    )


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadInput(f"a password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long")


def _shown_name(username: str) -> str:
    """The username as it may appear in the audit log (it is attacker-chosen on failures)."""
    return username if USERNAME_RE.match(username) else "(invalid username)"


class LoginLimiter:
    """Failed logins per username and per client address in a sliding window, in memory.

    An attempt is counted as failed *before* its password is checked (`begin`), and at most
    `max_concurrent` checks run at once per username and per address, so parallel guesses
    cannot all slip past the lock while argon2 is busy.
    """

    MAX_KEYS = 10_000  # bounds memory when someone tries endless made-up usernames

    def __init__(
        self,
        max_failures: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_concurrent: int = 2,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.clock = clock
        self.max_concurrent = max_concurrent
        self._failures: dict[str, deque[float]] = {}
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    def begin(self, username: str, address: str | None = None) -> bool:
        """Reserve one attempt, counted as a failure until `finish`; False means refuse it."""
        keys = self._keys(username, address)
        with self._lock:
            now = self.clock()
            if any(self._recent(k, now) >= self.max_failures for k in keys):
                return False
            if any(self._running.get(k, 0) >= self.max_concurrent for k in keys):
                return False
            for key in keys:
                self._running[key] = self._running.get(key, 0) + 1
            self._count(keys, now)
            return True

    def finish(self, username: str, address: str | None, ok: bool) -> None:
        """End a reserved attempt; a success takes its provisional failure back."""
        keys = self._keys(username, address)
        with self._lock:
            for key in keys:
                left = self._running.get(key, 1) - 1
                if left > 0:
                    self._running[key] = left
                else:
                    self._running.pop(key, None)
            if ok:
                self._failures.pop(keys[0], None)
                for key in keys[1:]:
                    times = self._failures.get(key)
                    if times:
                        times.pop()

    @staticmethod
    def _keys(username: str, address: str | None) -> list[str]:
        # Case-folded, so "Admin" and "admin" share one budget of guesses.
        keys = [f"user:{username.casefold()}"]
        if address:
            keys.append(f"addr:{address}")
        return keys

    def _recent(self, key: str, now: float) -> int:
        times = self._failures.get(key)
        if times is None:
            return 0
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return 0
        return len(times)

    def locked(self, username: str, address: str | None = None) -> bool:
        """True while the username or the address has too many recent failures."""
        now = self.clock()
        return any(
            self._recent(key, now) >= self.max_failures for key in self._keys(username, address)
        )

    def failed(self, username: str, address: str | None = None) -> None:
        """Count one failed attempt."""
        with self._lock:
            self._count(self._keys(username, address), self.clock())

    def _count(self, keys: list[str], now: float) -> None:
        for key in keys:
            self._recent(key, now)
            self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > self.MAX_KEYS:
            self._prune(now)

    def succeeded(self, username: str, address: str | None = None) -> None:
        """Forget the username's failures (the address keeps its count)."""
        self._failures.pop(self._keys(username, address)[0], None)

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        # Forget keys that are not locked first (oldest first: dicts keep insertion order), so
        # a flood of made-up names or addresses cannot reset a locked account's count.
        for key in [k for k, t in self._failures.items() if len(t) < self.max_failures]:
            if len(self._failures) <= self.MAX_KEYS:
                return
            del self._failures[key]
        while len(self._failures) > self.MAX_KEYS:
            del self._failures[next(iter(self._failures))]


class AccountStore:
    """Accounts in the database; passwords checked with argon2id."""

    def __init__(self, db: Database, hasher: PasswordHasher | None = None) -> None:
        self.db = db
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    async def _hash(self, password: str) -> str:
        # Hashing takes ~0.1 s of CPU on purpose; keep it off the event loop.
        return await asyncio.to_thread(self.hasher.hash, password)

    async def _matches(self, stored: str, password: str) -> bool:
        def check() -> bool:
            try:
                return self.hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)

    async def ensure_admin(self, password: SecretStr | None) -> str | None:
        """Create "admin" on first run; returns the generated password when none was given."""
        if await count_accounts(self.db):
            return None
        generated = None if password is not None else secrets.token_urlsafe(24)
        secret = generated or (password.get_secret_value() if password else "")
        _check_password(secret)
        created = await create_account(
            self.db,
            username=ADMIN,
            password_hash=await self._hash(secret),
            is_admin=True,
            note=AuditNote(
                actor="system",
                event="account_created",
                data={
                    "username": ADMIN,
                    "is_admin": True,
                    "source": "generated" if generated else "settings",
                },
            ),
        )
        if not created:
            return None  # another process created it first; its password stands
        return generated

    async def get(self, username: str) -> Account | None:
        """One account by username."""
        row = await find_account(self.db, username)
        return None if row is None else _view(row)

    async def verify(self, username: str, password: str) -> Account | None:
        """The account when the password matches; None otherwise (no hint which was wrong)."""
        if len(password) > MAX_PASSWORD:
            return None
        row = await find_account(self.db, username)
        if row is None:
            # Spend the same effort as a real check, so timing does not reveal who exists.
            if self._dummy is None:
                self._dummy = await self._hash(secrets.token_urlsafe(24))
            await self._matches(self._dummy, password)
            return None
        if not await self._matches(row.password_hash, password):
            return None
        now = utcnow()
        rehashed = None
        if self.hasher.check_needs_rehash(row.password_hash):
            rehashed = await self._hash(password)
        await record_login(self.db, row.id, at=now, password_hash=rehashed)
        return _view(replace(row, last_login_at=now))

    async def login(
        self,
        username: str,
        password: str,
        limiter: LoginLimiter,
        address: str | None = None,
    ) -> Account | None:
        """Rate-limited `verify`; every success, failure and refusal is audited."""
        shown = _shown_name(username)
        where = {"username": shown, "address": address or "unknown"}
        if not limiter.begin(username, address):
            await audit.record(self.db, actor="web", event="login_locked", data=where)
            return None
        account = None
        try:
            account = await self.verify(username, password)
        finally:
            limiter.finish(username, address, ok=account is not None)
        if account is None:
            locked = limiter.locked(username, address)
            await audit.record(
                self.db, actor="web", event="login_failed", data={**where, "now_locked": locked}
            )
            return None
        await audit.record(self.db, actor=f"user:{account.username}", event="login", data=where)
        return account

    async def revoke_sessions(self, username: str, why: str) -> None:
        """Make every session token issued to the account so far invalid."""
        note = AuditNote(
            actor=f"user:{_shown_name(username)}", event="sessions_revoked", data={"why": why}
        )
        await bump_token_version(self.db, username, note)

    async def set_password(self, username: str, password: SecretStr | str) -> None:
        """Replace an account's password (at least 12 characters)."""
        secret = password.get_secret_value() if isinstance(password, SecretStr) else password
        _check_password(secret)
        hashed = await self._hash(secret)
        note = AuditNote(actor="system", event="password_changed", data={"username": username})
        if not await set_password_hash(self.db, username, hashed, note):
            raise NotFound(f"no account named {username!r}")
