"""The approvals repository on SQLite and PostgreSQL: keys, listings, expiry, answers, outcomes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from memory import approvals, audit
from memory.approvals import DueApproval
from memory.audit_notes import AuditNote
from memory.db import Database
from memory.models import Approval, utcnow


def approval(
    *,
    key: str | None = None,
    thread: str | None = None,
    at: datetime | None = None,
    ttl: timedelta = timedelta(minutes=10),
    approval_id: str | None = None,
) -> Approval:
    created = at or utcnow()
    return Approval(
        id=approval_id or str(uuid.uuid4()),
        created_at=created,
        expires_at=created + ttl,
        tool="docker.restart",
        args={"container": "web"},
        risk="write",
        resource="container:web",
        actor="user:evin",
        rule="ask-writes",
        reason="writes need a person",
        diff=None,
        thread_id=thread,
        run_id=None,
        status="pending",
        idempotency_key=key,
    )


def note(event: str, **data: object) -> AuditNote:
    return AuditNote(actor="user:evin", event=event, tool="docker.restart", data=dict(data))


def expired(due: DueApproval) -> AuditNote:
    return AuditNote(actor="system", event="approval_expired", tool=due.tool, data={"id": due.id})


def events(db_url: str) -> list[str]:
    return [e.event for e in audit.latest_entries(db_url, 20)]


async def test_an_idempotency_key_is_stored_once(database: Database, db_url: str) -> None:
    first = approval(key="k1")
    assert await approvals.add_approval(database, first, note("requested"))
    assert not await approvals.add_approval(database, approval(key="k1"), note("requested"))
    found = await approvals.approval_by_idempotency_key(database, "k1")
    assert found is not None and found.id == first.id
    assert await approvals.approval_by_idempotency_key(database, "k2") is None
    assert events(db_url) == ["requested"]  # the refused one wrote nothing

    got = await approvals.get_approval(database, first.id)
    assert got is not None and (got.status, got.args) == ("pending", {"container": "web"})
    assert await approvals.get_approval(database, "nope") is None


async def test_racing_adds_of_one_key_let_one_through(database: Database) -> None:
    rows = [approval(key="race") for _ in range(5)]
    results = await asyncio.gather(
        *(approvals.add_approval(database, r, note("requested")) for r in rows)
    )
    assert sum(results) == 1


async def test_a_clash_that_is_not_a_key_raises(database: Database, db_url: str) -> None:
    assert await approvals.add_approval(database, approval(approval_id="a1"), note("one"))
    with pytest.raises(IntegrityError):
        await approvals.add_approval(database, approval(approval_id="a1"), note("two"))
    with pytest.raises(IntegrityError):
        await approvals.add_approval(database, approval(approval_id="a1", key="k"), note("two"))
    assert events(db_url) == ["one"]


async def test_listings_filter_order_and_limit(database: Database) -> None:
    start = utcnow()
    rows = [
        approval(thread="t1" if i % 2 else "t2", at=start + timedelta(seconds=i)) for i in range(4)
    ]
    for row in reversed(rows):
        assert await approvals.add_approval(database, row, note("requested"))
    listed = await approvals.list_approvals(database)
    assert [r.id for r in listed] == [r.id for r in reversed(rows)]
    assert [r.id for r in await approvals.list_approvals(database, limit=2)] == [
        rows[3].id,
        rows[2].id,
    ]
    assert await approvals.list_approvals(database, "approved") == []
    thread = await approvals.thread_approvals(database, "t1")
    assert [r.id for r in thread] == [rows[1].id, rows[3].id]
    assert await approvals.thread_approvals(database, "t1", "rejected") == []
    assert await approvals.thread_approvals(database, "t3") == []


async def test_only_due_pending_approvals_expire_each_audited_once(
    database: Database, db_url: str
) -> None:
    now = utcnow()
    due = approval(at=now - timedelta(minutes=20))
    fresh = approval(at=now)
    for row in (due, fresh):
        await approvals.add_approval(database, row, note("requested"))
    assert await approvals.expire_due_approvals(database, now, expired) == 1
    assert await approvals.expire_due_approvals(database, now, expired) == 0
    gone = await approvals.get_approval(database, due.id)
    assert gone is not None and (gone.status, gone.finished_at) == ("expired", now)
    assert [r.id for r in await approvals.list_approvals(database, "pending")] == [fresh.id]
    newest = audit.latest_entries(db_url, 1)[0]
    assert (newest.actor, newest.event, newest.tool) == (
        "system",
        "approval_expired",
        "docker.restart",
    )
    assert events(db_url) == ["approval_expired", "requested", "requested"]


async def test_a_pending_approval_is_answered_once(database: Database, db_url: str) -> None:
    row = approval()
    await approvals.add_approval(database, row, note("requested"))
    now = utcnow()
    decide = approvals.decide_approval
    rejected = note("approval_rejected")
    assert await decide(
        database, row.id, status="rejected", by="user:ana", at=now, finished_at=now, note=rejected
    )
    approved = note("approval_approved")
    assert not await decide(
        database, row.id, status="approved", by="user:bo", at=now, finished_at=None, note=approved
    )
    got = await approvals.get_approval(database, row.id)
    assert got is not None
    assert (got.status, got.decided_by, got.decided_at, got.finished_at) == (
        "rejected",
        "user:ana",
        now,
        now,
    )
    assert events(db_url) == ["approval_rejected", "requested"]


async def test_an_approval_past_its_time_is_not_answered(database: Database, db_url: str) -> None:
    row = approval(at=utcnow() - timedelta(minutes=20))
    await approvals.add_approval(database, row, note("requested"))
    assert not await approvals.decide_approval(
        database,
        row.id,
        status="approved",
        by="user:ana",
        at=utcnow(),
        finished_at=None,
        note=note("approval_approved"),
    )
    got = await approvals.get_approval(database, row.id)
    assert got is not None and (got.status, got.decided_by) == ("pending", None)
    assert events(db_url) == ["requested"]


async def test_only_an_approved_approval_is_finished_once(database: Database) -> None:
    row = approval()
    await approvals.add_approval(database, row, note("requested"))
    now = utcnow()
    result = {"status": "ok"}
    finish = approvals.finish_approval
    assert not await finish(database, row.id, status="executed", result=result, at=now)
    await approvals.decide_approval(
        database,
        row.id,
        status="approved",
        by="user:ana",
        at=now,
        finished_at=None,
        note=note("approval_approved"),
    )
    assert await finish(database, row.id, status="executed", result=result, at=now)
    assert not await finish(database, row.id, status="failed", result={}, at=now)
    got = await approvals.get_approval(database, row.id)
    assert got is not None
    assert (got.status, got.result, got.finished_at) == ("executed", result, now)
