"""Queries about domain tasks that the domains repository does not answer."""

from __future__ import annotations

from sqlalchemy import select

from memory.db import Database
from memory.domain_models import DomainEvent
from memory.domains import Event


async def last_task_event(db: Database, task_id: int) -> Event:
    """The newest event of a task (NoResultFound when it has none)."""
    async with db.session() as session:
        row = (
            await session.execute(
                select(DomainEvent)
                .where(DomainEvent.task_id == task_id)
                .order_by(DomainEvent.id.desc())
                .limit(1)
            )
        ).scalar_one()
        return Event.model_validate(row, from_attributes=True)
