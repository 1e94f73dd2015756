"""API keys for the REST API: shown once, stored as a SHA-256, revocable."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import replace
from datetime import datetime, timedelta

from pydantic import BaseModel

from core.errors import BadInput, Conflict, NotFound
from memory.apikeys import ApiKeyRecord, add_key, get_key, list_keys, revoke_key, touch_key
from memory.audit_notes import AuditNote
from memory.db import Database
from memory.models import utcnow

NAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
# jv_<8-char id>_<43-char secret>: the id finds the row, the whole key is hashed.
KEY_RE = re.compile(r"^jv_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$")
ID_ALPHABET = string.ascii_lowercase + string.digits
# Writing last_used_at on every request would make each API call a database write.
TOUCH_EVERY = timedelta(minutes=1)


class ApiKeyView(BaseModel):
    """An API key as lists show it: never the secret."""

    id: str
    name: str
    prefix: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _view(row: ApiKeyRecord) -> ApiKeyView:
    return ApiKeyView(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        created_by=row.created_by,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def digest(plaintext: str) -> str:
    """The stored form of a key: its SHA-256 in hex (keys are 256-bit random, so no salt)."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


class ApiKeyStore:
    """Creates, checks, lists and revokes API keys."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, name: str, created_by: str) -> tuple[ApiKeyView, str]:
        """A new key; the plaintext is returned this once and never stored."""
        if not NAME_RE.match(name):
            raise BadInput("a key name is 1-64 letters, digits and . _ @ -")
        key_id = "".join(secrets.choice(ID_ALPHABET) for _ in range(8))
        plaintext = f"jv_{key_id}_{secrets.token_urlsafe(32)}"
        row = ApiKeyRecord(
            id=key_id,
            name=name,
            prefix=f"jv_{key_id}",
            key_hash=digest(plaintext),
            created_by=created_by,
            created_at=utcnow(),
            last_used_at=None,
            revoked_at=None,
        )
        note = AuditNote(
            actor=created_by,
            event="apikey_created",
            resource=f"apikey:{name}",
            data={"name": name, "prefix": row.prefix},
        )
        if not await add_key(self.db, row, note):
            raise Conflict(
                f"an API key named {name!r} exists already (revoked keys keep their name)"
            )
        return _view(row), plaintext

    async def verify(self, plaintext: str) -> ApiKeyView | None:
        """The key's record when it is valid and not revoked; None otherwise."""
        match = KEY_RE.match(plaintext)
        row = None if match is None else await get_key(self.db, match.group(1))
        # Compare even when nothing was found, so timing says little about which ids exist.
        stored = row.key_hash if row is not None else "0" * 64
        if not hmac.compare_digest(stored, digest(plaintext)) or row is None:
            return None
        if row.revoked_at is not None:
            return None
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
            await touch_key(self.db, row.id, now)
            row = replace(row, last_used_at=now)
        return _view(row)

    async def list(self) -> list[ApiKeyView]:
        """Every key, revoked ones included, newest first."""
        return [_view(r) for r in await list_keys(self.db)]

    async def revoke(self, name: str, by: str = "system") -> ApiKeyView:
        """Revoke a key by name; revoking it again changes nothing."""

        def note(key: ApiKeyRecord) -> AuditNote:
            return AuditNote(
                actor=by,
                event="apikey_revoked",
                resource=f"apikey:{name}",
                data={"name": name, "prefix": key.prefix},
            )

        revoked = await revoke_key(self.db, name, utcnow(), note)
        if revoked is None:
            raise NotFound(f"no API key named {name!r}")
        return _view(revoked)
