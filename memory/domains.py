"""Repository of the domains feature: domains, their events, and resumable workflow tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import BadInput, Conflict, NotFound
from core.fqdn import normalise_fqdn
from memory.db import Database
from memory.domain_models import (
    DomainEvent,
    DomainRecord,
    DomainStatus,
    DomainTask,
    EventCategory,
    EventLevel,
    TaskKind,
    TaskStatus,
)
from memory.models import utcnow

Clock = Callable[[], datetime]
_REQUIRED = frozenset({"target", "provider", "records", "status"})


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewDomain(_Input):
    """What is needed to register a domain."""

    fqdn: str
    zone: str
    target: str = Field(min_length=1, max_length=500)
    provider: str = Field(min_length=1, max_length=100)
    records: dict[str, list[str]] = Field(default_factory=dict)
    status: DomainStatus = DomainStatus.PENDING

    @field_validator("fqdn", "zone")
    @classmethod
    def _name(cls, value: str) -> str:
        return normalise_fqdn(value)

    @field_validator("records")
    @classmethod
    def _types(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {rtype.upper(): list(values) for rtype, values in value.items()}


class DomainChanges(_Input):
    """Fields of a domain to change; those left out stay as they are."""

    target: str | None = Field(default=None, min_length=1, max_length=500)
    provider: str | None = Field(default=None, min_length=1, max_length=100)
    records: dict[str, list[str]] | None = None
    status: DomainStatus | None = None
    cert: dict[str, Any] | None = None
    health: dict[str, Any] | None = None
    checked_at: datetime | None = None


class Domain(BaseModel):
    """A domain as stored."""

    model_config = ConfigDict(frozen=True)

    id: int
    fqdn: str
    zone: str
    target: str
    provider: str
    records: dict[str, list[str]]
    status: DomainStatus
    cert: dict[str, Any] | None
    health: dict[str, Any] | None
    checked_at: datetime | None
    created_at: datetime
    updated_at: datetime


class NewEvent(_Input):
    """One line for a domain's history."""

    category: EventCategory
    message: str = Field(min_length=1)
    level: EventLevel = EventLevel.INFO
    data: dict[str, Any] | None = None
    task_id: int | None = None


class Event(BaseModel):
    """A domain event as stored."""

    model_config = ConfigDict(frozen=True)

    id: int
    domain_id: int
    task_id: int | None
    category: EventCategory
    level: EventLevel
    message: str
    data: dict[str, Any] | None
    created_at: datetime


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


def _domain(row: DomainRecord) -> Domain:
    return Domain.model_validate(row, from_attributes=True)


def _event(row: DomainEvent) -> Event:
    return Event.model_validate(row, from_attributes=True)


def _task(row: DomainTask) -> Task:
    return Task.model_validate(row, from_attributes=True)


async def _domain_row(session: AsyncSession, domain_id: int) -> DomainRecord:
    row = await session.get(DomainRecord, domain_id)
    if row is None:
        raise NotFound(f"domain {domain_id} does not exist")
    return row


async def create_domain(db: Database, new: NewDomain, *, clock: Clock = utcnow) -> Domain:
    """Register a domain; Conflict when the name is already registered."""
    if new.fqdn != new.zone and not new.fqdn.endswith("." + new.zone):
        raise BadInput(f"{new.fqdn} is not inside the zone {new.zone}")
    now = clock()
    try:
        async with db.session() as session:
            row = DomainRecord(
                fqdn=new.fqdn,
                zone=new.zone,
                target=new.target,
                provider=new.provider,
                records=new.records,
                status=new.status.value,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            return _domain(row)
    except IntegrityError:
        raise Conflict(f"the domain {new.fqdn} is already registered") from None


async def get_domain(db: Database, domain_id: int) -> Domain:
    """One domain by id; NotFound when there is none."""
    async with db.session() as session:
        return _domain(await _domain_row(session, domain_id))


async def find_domain(db: Database, fqdn: str) -> Domain | None:
    """One domain by name, or None."""
    name = normalise_fqdn(fqdn)
    async with db.session() as session:
        row = (
            await session.execute(select(DomainRecord).where(DomainRecord.fqdn == name))
        ).scalar_one_or_none()
        return _domain(row) if row is not None else None


async def list_domains(db: Database, *, status: DomainStatus | None = None) -> list[Domain]:
    """Every domain (optionally of one status), by name."""
    query = select(DomainRecord).order_by(DomainRecord.fqdn)
    if status is not None:
        query = query.where(DomainRecord.status == status.value)
    async with db.session() as session:
        return [_domain(row) for row in (await session.execute(query)).scalars()]


async def update_domain(
    db: Database, domain_id: int, changes: DomainChanges, *, clock: Clock = utcnow
) -> Domain:
    """Change the given fields of a domain; NotFound when there is none."""
    async with db.session() as session:
        row = await _domain_row(session, domain_id)
        for field in changes.model_fields_set:
            value = getattr(changes, field)
            if value is None and field in _REQUIRED:
                raise BadInput(f"a domain's {field} cannot be removed")
            setattr(row, field, value.value if isinstance(value, DomainStatus) else value)
        row.updated_at = clock()
        await session.flush()
        return _domain(row)


async def add_event(
    db: Database, domain_id: int, event: NewEvent, *, clock: Clock = utcnow
) -> Event:
    """Append one event to a domain's history."""
    async with db.session() as session:
        return await _add_event(session, domain_id, event, clock())


async def _add_event(
    session: AsyncSession, domain_id: int, event: NewEvent, now: datetime
) -> Event:
    await _domain_row(session, domain_id)
    row = DomainEvent(
        domain_id=domain_id,
        task_id=event.task_id,
        category=event.category.value,
        level=event.level.value,
        message=event.message,
        data=event.data,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return _event(row)


async def list_events(
    db: Database,
    domain_id: int,
    *,
    category: EventCategory | None = None,
    task_id: int | None = None,
    limit: int = 200,
) -> list[Event]:
    """A domain's events, oldest first."""
    query = select(DomainEvent).where(DomainEvent.domain_id == domain_id)
    if category is not None:
        query = query.where(DomainEvent.category == category.value)
    if task_id is not None:
        query = query.where(DomainEvent.task_id == task_id)
    query = query.order_by(DomainEvent.id).limit(limit)
    async with db.session() as session:
        return [_event(row) for row in (await session.execute(query)).scalars()]


async def create_task(
    db: Database, domain_id: int, kind: TaskKind, *, clock: Clock = utcnow
) -> Task:
    """A new pending task for a domain."""
    now = clock()
    async with db.session() as session:
        await _domain_row(session, domain_id)
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
            await _add_event(
                session, written.domain_id, event.model_copy(update={"task_id": task_id}), now
            )
        return _task(written)
