"""A domain's history: appending events and reading them back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from memory.db import Database
from memory.domain_models import DomainEvent, EventCategory, EventLevel
from memory.domains.common import Clock, Input, domain_row
from memory.models import utcnow


class NewEvent(Input):
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


def _event(row: DomainEvent) -> Event:
    return Event.model_validate(row, from_attributes=True)


async def add_event(
    db: Database, domain_id: int, event: NewEvent, *, clock: Clock = utcnow
) -> Event:
    """Append one event to a domain's history."""
    async with db.session() as session:
        return await append_event(session, domain_id, event, clock())


async def append_event(
    session: AsyncSession, domain_id: int, event: NewEvent, now: datetime
) -> Event:
    """Append one event within an open session (the caller's transaction)."""
    await domain_row(session, domain_id)
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
