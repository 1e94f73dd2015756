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
from memory.audit_checkpoint import CheckpointLog, sign
from memory.db import AUDIT_HEAD, Database, read_sync
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


def _write(
    conn: Connection,
    key: bytes,
    actor: str,
    event: str,
    tool: str | None,
    resource: str | None,
    data: dict[str, Any] | None,
) -> tuple[int, str]:
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
    conn.execute(
        _HEAD.update()
        .where(_HEAD.c.id == 1)
        .values(hash=digest, mac=sign(key, "head", seq, digest))
    )
    return int(seq), digest


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
    seq, digest = await conn.run_sync(lambda c: _write(c, key, actor, event, tool, resource, data))
    # Database.session() checkpoints the newest head once the transaction commits.
    session.info[AUDIT_HEAD] = (seq, digest)
    return seq


async def record(
    db: Database,
    *,
    actor: str,
    event: str,
    tool: str | None = None,
    resource: str | None = None,
    data: dict[str, Any] | None = None,
) -> int:
    """Append one entry in its own transaction, then checkpoint the head outside the database."""
    seq, digest = await db.write(
        lambda c: _write(c, db.audit_key, actor, event, tool, resource, data)
    )
    db.checkpoint(seq, digest)
    return seq


class VerifyReport(BaseModel):
    """What `jarvis audit verify` found."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None
    checkpoint_seq: int | None = None  # the newest signed checkpoint compared, if any


Checkpoints = dict[int, set[str]]


def _bad(count: int, seq: int | None, problem: str, top: int | None) -> VerifyReport:
    return VerifyReport(
        ok=False, entries=count, first_bad_seq=seq, problem=problem, checkpoint_seq=top
    )


def verify(
    session: Session, key: bytes, checkpoints: Checkpoints | None = None, forged: int = 0
) -> VerifyReport:
    """Walk the chain in order; report the first altered, missing or reordered entry.

    With the checkpoints kept outside the database (None: no checkpoint file), a log cut
    short or rewritten below any of them is caught too, even with the key and the head row
    rewritten to match.
    """
    marks = checkpoints or {}
    top = max(marks, default=None)
    prev = GENESIS
    expected = 1
    count = 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for row in rows:
        count += 1
        if row.seq != expected:
            problem = f"entry {expected} is missing (next present is {row.seq})"
            return _bad(count, expected, problem, top)
        if row.prev_hash != prev:
            problem = f"entry {row.seq} does not link to entry {row.seq - 1}"
            return _bad(count, row.seq, problem, top)
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
            problem = f"entry {row.seq} was altered (its hash does not match its content)"
            return _bad(count, row.seq, problem, top)
        if row.seq in marks and marks[row.seq] != {row.hash}:
            problem = f"entry {row.seq} differs from its checkpoint: the chain was rewritten"
            return _bad(count, row.seq, problem, top)
        prev = row.hash
        expected += 1
    last = expected - 1
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is None:
        return _bad(count, expected, "the chain's head record is missing", top)
    if head.seq != last or head.hash != prev:
        problem = f"the log ends at entry {last} but {head.seq} were written"
        return _bad(count, expected, problem, top)
    signed = head.mac is not None and hmac.compare_digest(head.mac, sign(key, "head", last, prev))
    if last > 0 and not signed:
        problem = f"the head record (entry {last}) is not signed with the audit key: rewound?"
        return _bad(count, last, problem, top)
    if forged:
        problem = f"{forged} checkpoint line(s) outside the database are not signed by this log"
        return _bad(count, None, problem, top)
    if top is not None and top > last:
        problem = (
            f"the log ends at entry {last} but a checkpoint outside the database saw entry "
            f"{top}: entries were deleted"
        )
        return _bad(count, last + 1, problem, top)
    if checkpoints is not None and last > 0 and not marks:
        problem = "no checkpoint outside the database vouches for this log (file emptied?)"
        return _bad(count, None, problem, top)
    return VerifyReport(ok=True, entries=count, checkpoint_seq=top)


def verify_database(url: str, key: bytes, checkpoints: CheckpointLog | None = None) -> VerifyReport:
    """`verify` on the database at `url` (StoreUnavailable when it cannot be read).

    A missing checkpoint file is reported when the log has entries: it is where the proof of
    the log's length lives.
    """
    marks, forged = checkpoints.read() if checkpoints is not None else (None, 0)
    if checkpoints is not None and marks is None:
        marks = {}
    return read_sync(url, lambda session: verify(session, key, marks, forged))


def latest_entries(url: str, limit: int) -> list[AuditEntry]:
    """The newest `limit` entries of the database at `url`, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    return read_sync(url, lambda session: list(session.execute(query).scalars().all()))
