"""Truncation and rewinds: the signed head and the checkpoints kept outside the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from memory import audit
from memory.audit_checkpoint import CheckpointLog, sign
from memory.db import Database
from memory.models import AuditEntry, AuditHead
from tests.memory.test_audit import fill, verify
from tests.testbed.db_fixtures import AUDIT_KEY as KEY


@pytest.fixture
def checkpoints(tmp_path: Path) -> CheckpointLog:
    return CheckpointLog(tmp_path / "outside" / "checkpoints.jsonl", KEY)


@pytest.fixture
async def logged(db_url: str, checkpoints: CheckpointLog) -> Database:
    """A database whose appends leave checkpoints."""
    db = Database(db_url, audit_key=KEY, checkpoints=checkpoints)
    yield db
    await db.close()


async def rewind_head(db: Database, to: int, mac: str | None = None) -> None:
    """What someone with write access does: drop the newest entries, point the head back."""
    async with db.session() as session:
        await session.execute(delete(AuditEntry).where(AuditEntry.seq > to))
        row = (await session.execute(select(AuditEntry).where(AuditEntry.seq == to))).scalar_one()
        await session.execute(
            update(AuditHead).where(AuditHead.id == 1).values(seq=to, hash=row.hash, mac=mac)
        )


async def wipe(db: Database) -> None:
    """Empty the log and reset its head to the start, as a database writer could."""
    async with db.session() as session:
        await session.execute(delete(AuditEntry))
        await session.execute(
            update(AuditHead).where(AuditHead.id == 1).values(seq=0, hash=audit.GENESIS, mac=None)
        )


async def rebuild_chain(db: Database, url: str, actors: list[str]) -> None:
    """Wipe the log, then write a new chain with the (stolen) key and no checkpoints."""
    await wipe(db)
    forger = Database(url, audit_key=KEY)
    try:
        for actor in actors:
            await audit.record(forger, actor=actor, event="read")
    finally:
        await forger.close()


def check(url: str, checkpoints: CheckpointLog) -> audit.VerifyReport:
    return audit.verify_database(url, KEY, checkpoints)


async def test_every_committed_append_leaves_a_signed_checkpoint(
    logged: Database, db_url: str, checkpoints: CheckpointLog
) -> None:
    await fill(logged, 3)
    await audit.record(logged, actor="user:evin", event="read", tool="system.overview")
    lines = [json.loads(x) for x in checkpoints.path.read_text().splitlines()]
    assert [x["seq"] for x in lines] == [1, 2, 3, 4]
    marks, forged = checkpoints.read()
    assert marks is not None and max(marks) == 4 and forged == 0
    report = check(db_url, checkpoints)
    assert report.ok and report.checkpoint_seq == 4
    assert oct(checkpoints.path.stat().st_mode & 0o777) == "0o600"


async def test_a_rolled_back_append_leaves_no_checkpoint(
    logged: Database, checkpoints: CheckpointLog
) -> None:
    await fill(logged, 1)
    with pytest.raises(RuntimeError):
        async with logged.session() as session:
            await audit.append(session, key=KEY, actor="user:evin", event="read")
            raise RuntimeError("the change failed")
    marks, _ = checkpoints.read()
    assert marks is not None and max(marks) == 1
    assert len(checkpoints.path.read_text().splitlines()) == 1


async def test_deleting_the_last_entry_and_rewinding_the_head_is_caught_without_the_key(
    logged: Database, db_url: str, checkpoints: CheckpointLog
) -> None:
    await fill(logged, 5)
    await rewind_head(logged, 4)
    alone = verify(db_url)  # even with no checkpoint at hand: the head is not signed
    assert not alone.ok and "not signed" in (alone.problem or "")
    report = check(db_url, checkpoints)
    assert not report.ok


async def test_a_rewind_signed_with_a_stolen_key_is_caught_by_the_checkpoint(
    logged: Database, db_url: str, checkpoints: CheckpointLog
) -> None:
    await fill(logged, 5)
    async with logged.session() as session:
        row = (await session.execute(select(AuditEntry).where(AuditEntry.seq == 3))).scalar_one()
    await rewind_head(logged, 3, mac=sign(KEY, "head", 3, row.hash))
    assert verify(db_url).ok  # the database alone is consistent again
    report = check(db_url, checkpoints)
    assert not report.ok and report.first_bad_seq == 4
    assert "checkpoint outside the database saw entry 5" in (report.problem or "")


async def test_a_chain_rewritten_with_the_key_below_a_checkpoint_is_caught(
    logged: Database, db_url: str, checkpoints: CheckpointLog
) -> None:
    await fill(logged, 3)
    # Rebuild the whole chain with the key, with entry 2 changed: only the checkpoint notices.
    await rebuild_chain(logged, db_url, ["user:evin", "user:mallory", "user:evin"])
    assert verify(db_url).ok
    report = check(db_url, checkpoints)
    assert not report.ok and report.first_bad_seq == 1
    assert "rewritten" in (report.problem or "")


async def test_forged_checkpoint_lines_are_reported(
    logged: Database, db_url: str, checkpoints: CheckpointLog
) -> None:
    await fill(logged, 2)
    with checkpoints.path.open("a") as handle:
        fake = {"id": json.loads(checkpoints.path.read_text().splitlines()[0])["id"]}
        handle.write("not json\n")
        handle.write(json.dumps({**fake, "seq": 1, "hash": "f" * 64, "mac": "0" * 64}) + "\n")
    report = check(db_url, checkpoints)
    assert not report.ok and "2 checkpoint line(s)" in (report.problem or "")


async def test_another_installations_checkpoints_are_ignored(
    logged: Database, db_url: str, checkpoints: CheckpointLog
) -> None:
    other = CheckpointLog(checkpoints.path, b"another installation's key")
    other.write(99, "e" * 64)
    await fill(logged, 2)
    report = check(db_url, checkpoints)
    assert report.ok and report.checkpoint_seq == 2


async def test_a_rebuilt_chain_with_one_fresh_signed_line_disagrees_with_older_checkpoints(
    logged: Database, db_url: str, checkpoints: CheckpointLog
) -> None:
    await fill(logged, 3)
    await rebuild_chain(logged, db_url, ["user:mallory"] * 3)
    # With the stolen key, the forger signs a checkpoint for the new head too.
    async with logged.session() as session:
        head = (await session.execute(select(AuditHead))).scalar_one()
    CheckpointLog(checkpoints.path, KEY).write(head.seq, head.hash)
    report = check(db_url, checkpoints)
    assert not report.ok and report.first_bad_seq == 1 and "rewritten" in (report.problem or "")


async def test_a_missing_checkpoint_file_is_reported_when_the_log_has_entries(
    logged: Database, db_url: str, checkpoints: CheckpointLog
) -> None:
    assert check(db_url, checkpoints).ok  # nothing written yet: nothing to vouch for
    await fill(logged, 2)
    checkpoints.path.unlink()
    report = check(db_url, checkpoints)
    assert not report.ok and "no checkpoint" in (report.problem or "")


async def test_a_log_wiped_to_nothing_is_caught_by_the_checkpoints(
    logged: Database, db_url: str, checkpoints: CheckpointLog
) -> None:
    await fill(logged, 2)
    await wipe(logged)
    assert verify(db_url).ok  # the database alone cannot tell an empty log from a wiped one
    report = check(db_url, checkpoints)
    assert not report.ok and "entries were deleted" in (report.problem or "")


async def test_a_line_cut_short_by_a_crash_is_not_called_forged(
    logged: Database, db_url: str, checkpoints: CheckpointLog
) -> None:
    await fill(logged, 2)
    with checkpoints.path.open("a") as handle:
        handle.write('{"id": "abc", "seq": 3, "ha')
    assert check(db_url, checkpoints).ok
