"""Resumable domain tasks on SQLite and PostgreSQL: steps, stale and concurrent writers."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import Conflict, NotFound
from memory import domains as repo
from memory.db import Database
from memory.domain_models import EventCategory, TaskKind, TaskStatus
from tests.memory.domains.conftest import new_domain


async def test_step_done_with_its_record_and_resume_skips_it(database: Database) -> None:
    made = await repo.create_domain(database, new_domain())
    task = await repo.create_task(database, made.id, TaskKind.PROVISION)
    assert task.status is TaskStatus.PENDING and task.steps == {} and task.version == 1

    task = await repo.update_task(
        database,
        task.id,
        expected_version=task.version,
        status=TaskStatus.RUNNING,
        current_step="dns",
        new_attempt=True,
        heartbeat=True,
    )
    assert task.attempts == 1 and task.heartbeat_at is not None

    record = {"dns_created": True, "previous": ["198.51.100.1"]}
    task = await repo.complete_step(
        database,
        task.id,
        "dns",
        expected_version=task.version,
        record=record,
        next_step="caddy",
        event=repo.NewEvent(category=EventCategory.DNS, message="A record set"),
    )
    # A resumed run reads the task again and finds the step done, with what it did.
    resumed = await repo.get_task(database, task.id)
    assert resumed.step_done("dns") and not resumed.step_done("caddy")
    assert resumed.step_record("dns") == record and resumed.current_step == "caddy"
    events = await repo.list_events(database, made.id, task_id=task.id)
    assert [e.message for e in events] == ["A record set"]

    done = await repo.update_task(
        database,
        task.id,
        expected_version=resumed.version,
        status=TaskStatus.SUCCEEDED,
        result={"url": "https://n8n.example.com"},
    )
    assert done.status is TaskStatus.SUCCEEDED and done.result == {"url": "https://n8n.example.com"}
    assert [t.id for t in await repo.list_tasks(database, status=TaskStatus.SUCCEEDED)] == [task.id]
    assert [t.id for t in await repo.list_tasks(database, domain_id=made.id)] == [task.id]


async def test_stale_writer_loses(database: Database) -> None:
    made = await repo.create_domain(database, new_domain())
    task = await repo.create_task(database, made.id, TaskKind.RENEW_SSL)
    await repo.complete_step(database, task.id, "order", expected_version=task.version)
    with pytest.raises(Conflict, match="changed meanwhile"):
        await repo.complete_step(database, task.id, "order", expected_version=task.version)
    with pytest.raises(NotFound):
        await repo.update_task(database, 999, expected_version=1)


async def test_concurrent_advances_only_one_wins(database: Database) -> None:
    made = await repo.create_domain(database, new_domain())
    task = await repo.create_task(database, made.id, TaskKind.PROVISION)

    async def advance(name: str) -> str:
        try:
            await repo.complete_step(database, task.id, name, expected_version=task.version)
        except Conflict:
            return "lost"
        return "won"

    outcomes = await asyncio.gather(*(advance(f"step{i}") for i in range(4)))
    assert sorted(outcomes) == ["lost", "lost", "lost", "won"]
    final = await repo.get_task(database, task.id)
    assert final.version == 2 and len(final.steps) == 1
