"""Resumable domain tasks: their steps, and compare-and-set writes so one runner advances each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, NotFound
from memory.db import Database
from memory.domain_models import DomainTask, TaskKind, TaskStatus
from memory.domains.common import Clock, domain_row
from memory.domains.events import NewEvent, append_event
from memory.models import utcnow


class Task(BaseModel):
    """A domain task as stored; `version` is what the next write must name."""

    model_config = ConfigDict(frozen=True)

    id: int
    domain_id: int
    kind: TaskKind
    status: TaskStatus
    current_step: str | None
    attempts: int
    steps: dict[str, dict[str, Any]]
    result: dict[str, Any] | None
    error: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    heartbeat_at: datetime | None

    def step_done(self, step: str) -> bool:
        """Whether `step` already finished (a resumed run skips it)."""
        return bool(self.steps.get(step, {}).get("done"))

    def step_record(self, step: str) -> dict[str, Any]:
        """What a finished step recorded about its side effects (empty if none)."""
        record = self.steps.get(step, {}).get("record")
        return dict(record) if isinstance(record, dict) else {}


def _task(row: DomainTask) -> Task:
    return Task.model_validate(row, from_attributes=True)


async def create_task(
    db: Database, domain_id: int, kind: TaskKind, *, clock: Clock = utcnow
) -> Task:
    """A new pending task for a domain."""
    now = clock()
    async with db.session() as session:
        await domain_row(session, domain_id)
        row = DomainTask(
            domain_id=domain_id,
            kind=kind.value,
            status=TaskStatus.PENDING.value,
            attempts=0,
            steps={},
            version=1,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        return _task(row)


async def get_task(db: Database, task_id: int) -> Task:
    """One task by id; NotFound when there is none."""
    async with db.session() as session:
        row = await session.get(DomainTask, task_id)
        if row is None:
            raise NotFound(f"domain task {task_id} does not exist")
        return _task(row)


async def list_tasks(
    db: Database, *, domain_id: int | None = None, status: TaskStatus | None = None
) -> list[Task]:
    """Tasks, oldest first, optionally of one domain or one status."""
    query = select(DomainTask).order_by(DomainTask.id)
    if domain_id is not None:
        query = query.where(DomainTask.domain_id == domain_id)
    if status is not None:
        query = query.where(DomainTask.status == status.value)
    async with db.session() as session:
        return [_task(row) for row in (await session.execute(query)).scalars()]


async def _write_task(
    session: AsyncSession, task_id: int, expected_version: int, values: dict[str, Any]
) -> DomainTask:
    # Compare-and-set on the version: two runners of one task cannot both advance it.
    done = await session.execute(
        update(DomainTask)
        .where(DomainTask.id == task_id, DomainTask.version == expected_version)
        .values(version=expected_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        current = await session.get(DomainTask, task_id)
        if current is None:
            raise NotFound(f"domain task {task_id} does not exist")
        raise Conflict(
            f"domain task {task_id} changed meanwhile (version {current.version}, "
            f"expected {expected_version})"
        )
    row = await session.get(DomainTask, task_id, populate_existing=True)
    assert row is not None
    return row


async def update_task(
    db: Database,
    task_id: int,
    *,
    expected_version: int,
    status: TaskStatus | None = None,
    current_step: str | None = None,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    new_attempt: bool = False,
    heartbeat: bool = False,
    clock: Clock = utcnow,
) -> Task:
    """Change a task if nobody else did since `expected_version`; Conflict otherwise."""
    now = clock()
    values: dict[str, Any] = {"updated_at": now}
    if status is not None:
        values["status"] = status.value
    if current_step is not None:
        values["current_step"] = current_step
    if result is not None:
        values["result"] = result
    if error is not None:
        values["error"] = error
    if new_attempt:
        values["attempts"] = DomainTask.attempts + 1
    if heartbeat:
        values["heartbeat_at"] = now
    async with db.session() as session:
        return _task(await _write_task(session, task_id, expected_version, values))


async def complete_step(
    db: Database,
    task_id: int,
    step: str,
    *,
    expected_version: int,
    record: dict[str, Any] | None = None,
    next_step: str | None = None,
    event: NewEvent | None = None,
    clock: Clock = utcnow,
) -> Task:
    """Mark `step` done with what it did, in one transaction (plus an optional event)."""
    now = clock()
    async with db.session() as session:
        row = await session.get(DomainTask, task_id)
        if row is None:
            raise NotFound(f"domain task {task_id} does not exist")
        steps = dict(row.steps or {})
        steps[step] = {"done": True, "record": record or {}, "at": now.isoformat()}
        values: dict[str, Any] = {"steps": steps, "updated_at": now, "heartbeat_at": now}
        if next_step is not None:
            values["current_step"] = next_step
        written = await _write_task(session, task_id, expected_version, values)
        if event is not None:
            await append_event(
                session, written.domain_id, event.model_copy(update={"task_id": task_id}), now
            )
        return _task(written)
