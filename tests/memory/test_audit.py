"""The audit chain on SQLite and PostgreSQL: intact logs verify, any tampering is named."""

from __future__ import annotations

import asyncio

from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from memory import audit
from memory.db import Database, make_sync_engine
from memory.models import AuditEntry
from tests.testbed.db_fixtures import AUDIT_KEY as KEY


async def fill(database: Database, n: int) -> None:
    for i in range(n):
        async with database.session() as session:
            await audit.append(
                session,
                key=database.audit_key,
                actor="user:evin",
                event="read",
                tool="system.overview",
                resource="system:host",
                data={"i": i, "password": "hunter2hunter2"},
            )


def verify(url: str, key: bytes = KEY) -> audit.VerifyReport:
    engine = make_sync_engine(url)
    with Session(engine) as session:
        report = audit.verify(session, key)
    engine.dispose()
    return report


async def test_intact_chain_verifies_and_secrets_are_redacted(
    database: Database, db_url: str
) -> None:
    await fill(database, 5)
    report = verify(db_url)
    assert report.ok and report.entries == 5
    async with database.session() as session:
        rows = (await session.execute(text("SELECT data FROM audit_log"))).scalars().all()
    assert rows and not any("hunter2hunter2" in r for r in rows)


async def test_concurrent_appends_keep_one_chain(database: Database, db_url: str) -> None:
    await asyncio.gather(*(fill(database, 3) for _ in range(5)))
    report = verify(db_url)
    assert report.ok and report.entries == 15


async def test_altered_row_is_named(database: Database, db_url: str) -> None:
    await fill(database, 4)
    async with database.session() as session:
        await session.execute(
            update(AuditEntry).where(AuditEntry.seq == 3).values(actor="user:mallory")
        )
    report = verify(db_url)
    assert not report.ok and report.first_bad_seq == 3 and "altered" in (report.problem or "")


async def test_removed_row_is_named(database: Database, db_url: str) -> None:
    await fill(database, 4)
    async with database.session() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    report = verify(db_url)
    assert not report.ok and report.first_bad_seq == 2 and "missing" in (report.problem or "")


async def test_removed_last_row_is_named(database: Database, db_url: str) -> None:
    await fill(database, 4)
    async with database.session() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.seq == 4))
    report = verify(db_url)
    assert not report.ok and report.first_bad_seq == 4


async def test_a_chain_rebuilt_without_the_key_is_detected(database: Database, db_url: str) -> None:
    await fill(database, 3)
    assert verify(db_url).ok
    report = verify(db_url, key=b"someone-else")
    assert not report.ok and report.first_bad_seq == 1


async def test_missing_head_is_reported(database: Database, db_url: str) -> None:
    await fill(database, 2)
    async with database.session() as session:
        await session.execute(text("DELETE FROM audit_head"))
    report = verify(db_url)
    assert not report.ok and "head" in (report.problem or "")


async def test_verify_database_and_latest_entries_read_by_url(
    database: Database, db_url: str
) -> None:
    await fill(database, 3)
    assert audit.verify_database(db_url, KEY).ok
    assert not audit.verify_database(db_url, b"someone-else").ok
    assert [e.seq for e in audit.latest_entries(db_url, 2)] == [3, 2]
    assert [e.seq for e in audit.latest_entries(db_url, 10)] == [3, 2, 1]
