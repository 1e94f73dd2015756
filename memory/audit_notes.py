"""Audit entries a caller describes and a repository writes inside its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from memory import audit


@dataclass(frozen=True)
class AuditNote:
    """One audit entry to append alongside a change, in the same transaction."""

    actor: str
    event: str
    tool: str | None = None
    resource: str | None = None
    data: dict[str, Any] | None = None


async def append_note(session: AsyncSession, key: bytes, note: AuditNote) -> int:
    """Append `note` inside the session's transaction; returns its sequence number."""
    return await audit.append(
        session,
        key=key,
        actor=note.actor,
        event=note.event,
        tool=note.tool,
        resource=note.resource,
        data=note.data,
    )
