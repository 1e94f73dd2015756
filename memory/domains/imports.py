"""Registering imported domains, each with an event saying where it came from (and its notes)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from core.errors import Conflict
from memory.db import Database
from memory.domain_models import EventCategory, EventLevel
from memory.domains.common import Clock
from memory.domains.events import NewEvent, append_event
from memory.domains.notes import NOTES_KEY
from memory.domains.records import NewDomain, insert_domain
from memory.models import utcnow


class ImportedDomain(NewDomain):
    """A domain read from a file, with the notes the file gave it."""

    notes: str | None = None


async def register_imported(
    db: Database,
    domains: Sequence[ImportedDomain],
    *,
    source: str,
    clock: Clock = utcnow,
) -> None:
    """Register the domains in one transaction; Conflict, with nothing written, when any of
    them is already registered."""
    now = clock()
    try:
        async with db.session() as session:
            for domain in domains:
                row = await insert_domain(session, domain, now)
                event = NewEvent(
                    category=EventCategory.IMPORT,
                    level=EventLevel.INFO,
                    message=f"imported from {source}",
                    data={NOTES_KEY: domain.notes} if domain.notes else None,
                )
                await append_event(session, row.id, event, now)
    except IntegrityError:
        raise Conflict("a domain among them was registered meanwhile") from None
