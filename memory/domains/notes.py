"""A domain's free-text notes, kept in its history: the newest event carrying them holds them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from core.errors import BadInput
from memory.db import Database
from memory.domain_models import DomainEvent, EventCategory
from memory.domains.events import NewEvent, add_event

NOTES_MAX = 2000
# The key of an event's data that holds the notes; import and workflow events may carry it.
NOTES_KEY = "notes"
_NOTE_CATEGORIES = (EventCategory.IMPORT.value, EventCategory.WORKFLOW.value)


async def notes_of(db: Database, domain_ids: Iterable[int] | None = None) -> dict[int, str]:
    """The current notes of each domain that has any (all domains, or the given ones)."""
    query = (
        select(DomainEvent.domain_id, DomainEvent.data)
        .where(DomainEvent.category.in_(_NOTE_CATEGORIES))
        .order_by(DomainEvent.id)
    )
    if domain_ids is not None:
        query = query.where(DomainEvent.domain_id.in_(list(domain_ids)))
    notes: dict[int, str | None] = {}
    async with db.session() as session:
        for domain_id, data in (await session.execute(query)).all():
            if isinstance(data, dict) and NOTES_KEY in data:
                value = data[NOTES_KEY]
                notes[domain_id] = value if isinstance(value, str) and value else None
    return {domain_id: text for domain_id, text in notes.items() if text is not None}


async def set_notes(db: Database, domain_id: int, notes: str | None) -> None:
    """Replace a domain's notes (None or empty removes them), as an event in its history."""
    text = (notes or "").strip() or None
    if text is not None and len(text) > NOTES_MAX:
        raise BadInput(f"notes are at most {NOTES_MAX} characters")
    await add_event(
        db,
        domain_id,
        NewEvent(
            category=EventCategory.WORKFLOW,
            message="notes changed" if text else "notes removed",
            data={NOTES_KEY: text},
        ),
    )
