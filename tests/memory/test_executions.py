"""The executions repository on SQLite and PostgreSQL: one claim per key, limits, outcomes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from memory import audit, executions
from memory.audit_notes import AuditNote
from memory.db import Database
from memory.models import utcnow


def note(event: str, **data: object) -> AuditNote:
    return AuditNote(actor="user:evin", event=event, tool="docker.restart", data=dict(data))


async def claim(database: Database, key: str, tool: str = "docker.restart", **kw: object) -> bool:
    return await executions.claim_execution(
        database,
        key=key,
        tool=tool,
        resource="container:web",
        actor="user:evin",
        approval_id=None,
        note=note("allowed", key=key),
        **kw,  # type: ignore[arg-type]
    )


async def test_a_key_is_claimed_once_and_its_outcome_kept(database: Database, db_url: str) -> None:
    assert not await executions.execution_exists(database, "k1")
    assert await claim(database, "k1")
    assert await executions.execution_exists(database, "k1")
    assert await executions.execution_result(database, "k1") is None
    assert not await claim(database, "k1")

    await executions.finish_execution(
        database, "k1", status="ok", result={"status": "ok"}, note=note("executed", key="k1")
    )
    assert await executions.execution_result(database, "k1") == {"status": "ok"}
    events = [e.event for e in audit.latest_entries(db_url, 10)]
    assert events == ["executed", "allowed"]  # the refused second claim wrote nothing


async def test_racing_claims_of_one_key_let_one_through(database: Database) -> None:
    results = await asyncio.gather(*(claim(database, "race") for _ in range(5)))
    assert sum(results) == 1


async def test_counts_and_limits_match_tool_globs(database: Database) -> None:
    since = utcnow() - timedelta(minutes=1)
    assert await claim(database, "a", tool="docker.restart")
    assert await claim(database, "b", tool="docker.stop")
    assert await claim(database, "c", tool="files.write")
    assert await executions.count_recent(database, ["docker.*"], None, since) == 2
    assert await executions.count_recent(database, ["docker.*"], "container:db", since) == 0
    later = utcnow() + timedelta(minutes=1)
    assert await executions.count_recent(database, ["*"], None, later) == 0

    limit = executions.Limit(tools=["docker.*"], resource="container:web", since=since, max=2)
    with pytest.raises(executions.OverLimit) as caught:
        await claim(database, "d", limit=limit)
    assert caught.value.done == 2
    assert not await executions.execution_exists(database, "d")
    roomy = executions.Limit(tools=["docker.*"], resource=None, since=since, max=3)
    assert await claim(database, "e", limit=roomy)


async def test_only_a_stale_running_execution_is_closed(database: Database) -> None:
    started = utcnow() - timedelta(hours=1)
    assert await claim(database, "old", clock=lambda: started)
    result = {"status": "error", "message": "interrupted"}
    close = executions.close_stale_execution
    assert not await close(database, "old", started_before=started, result=result, note=note("x"))
    assert await close(
        database, "old", started_before=utcnow(), result=result, note=note("interrupted")
    )
    assert await executions.execution_result(database, "old") == result
    # Closed already: no longer running, so a second close does nothing.
    assert not await close(database, "old", started_before=utcnow(), result={}, note=note("x"))
