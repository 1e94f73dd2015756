"""The append-only audit log: each entry is hashed together with the previous one."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import Table, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.redaction import redact_value
from memory.db import Database, read_sync
from memory.models import AuditEntry, AuditHead, utcnow

GENESIS = "0" * 64
_HEAD = cast(Table, AuditHead.__table__)
_LOG = cast(Table, AuditEntry.__table__)


def canonical(data: Any) -> str:
    """Stable JSON text used both for storage and for hashing."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(
    key: bytes,
    seq: int,
    ts: datetime,
    actor: str,
    event: str,
    tool: str | None,
    resource: str | None,
    data: str,
    prev_hash: str,
) -> str:
    """The hash of one entry, chained to its predecessor."""
    payload = canonical(
        [seq, ts.isoformat(), actor, event, tool or "", resource or "", data, prev_hash]
    )
    # Keyed: someone who can write the database but lacks the key cannot re-forge the chain.
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def write_entry(
    conn: Connection,
    *,
    key: bytes,
    actor: str,
    event: str,
    tool: str | None = None,
    resource: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Append one entry on a connection inside a transaction (secrets are redacted first)."""
    # Taking the head row with an UPDATE first serialises writers on both backends.
    bumped = conn.execute(
        _HEAD.update()
        .where(_HEAD.c.id == 1)
        .values(seq=_HEAD.c.seq + 1)
        .returning(_HEAD.c.seq, _HEAD.c.hash)
    )
    seq, prev = bumped.one()
    now = utcnow()
    # Millisecond timestamps survive every backend's round trip unchanged.
    ts = now.replace(microsecond=(now.microsecond // 1000) * 1000)
    text = canonical(redact_value(data or {}))
    digest = entry_hash(key, seq, ts, actor, event, tool, resource, text, prev)
    conn.execute(
        _LOG.insert().values(
            seq=seq,
            ts=ts,
            actor=actor,
            event=event,
            tool=tool,
            resource=resource,
            data=text,
            prev_hash=prev,
            hash=digest,
        )
    )
    conn.execute(_HEAD.update().where(_HEAD.c.id == 1).values(hash=digest))
    return int(seq)


async def append(
    session: AsyncSession,
    *,
    key: bytes,
    actor: str,
    event: str,
    tool: str | None = None,
    resource: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Append one entry inside the caller's (async) transaction."""
    conn = await session.connection()
    return await conn.run_sync(
        lambda c: write_entry(
            c, key=key, actor=actor, event=event, tool=tool, resource=resource, data=data
        )
    )


async def record(
    db: Database,
    *,
    actor: str,
    event: str,
    tool: str | None = None,
    resource: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Append one entry in its own transaction."""
    return await db.write(
        lambda c: write_entry(
            c, key=db.audit_key, actor=actor, event=event, tool=tool, resource=resource, data=data
        )
    )


class VerifyReport(BaseModel):
    """What `jarvis audit verify` found."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session, key: bytes) -> VerifyReport:
    """Walk the chain in order; report the first altered, missing or reordered entry."""
    prev = GENESIS
    expected = 1
    count = 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for row in rows:
        count += 1
        if row.seq != expected:
            return VerifyReport(
                ok=False,
                entries=count,
                first_bad_seq=expected,
                problem=f"entry {expected} is missing (next present is {row.seq})",
            )
        if row.prev_hash != prev:
            return VerifyReport(
                ok=False,
                entries=count,
                first_bad_seq=row.seq,
                problem=f"entry {row.seq} does not link to entry {row.seq - 1}",
            )
        digest = entry_hash(
            key,
            row.seq,
            row.ts,
            row.actor,
            row.event,
            row.tool,
            row.resource,
            row.data,
            row.prev_hash,
        )
        if digest != row.hash:
            return VerifyReport(
                ok=False,
                entries=count,
                first_bad_seq=row.seq,
                problem=f"entry {row.seq} was altered (its hash does not match its content)",
            )
        prev = row.hash
        expected += 1
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is None:
        return VerifyReport(
            ok=False,
            entries=count,
            first_bad_seq=expected,
            problem="the chain's head record is missing",
        )
    if head.seq != expected - 1 or head.hash != prev:
        return VerifyReport(
            ok=False,
            entries=count,
            first_bad_seq=expected,
            problem=f"the log ends at entry {expected - 1} but {head.seq} were written",
        )
    return VerifyReport(ok=True, entries=count)


def verify_database(url: str, key: bytes) -> VerifyReport:
    """`verify` on the database at `url` (StoreUnavailable when it cannot be read)."""
    return read_sync(url, lambda session: verify(session, key))


def latest_entries(url: str, limit: int) -> list[AuditEntry]:
    """The newest `limit` entries of the database at `url`, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    return read_sync(url, lambda session: list(session.execute(query).scalars().all()))
