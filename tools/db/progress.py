"""Progress of long database work, for whoever shows it (a chat panel sets the receiver)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from core.logging import get_logger

log = get_logger("db.progress")
OnProgress = Callable[[str], Awaitable[None]]
# Set per task by the caller that shows progress (it cannot pass a callback through the gate);
# unset, progress goes to the log only.
PROGRESS: ContextVar[OnProgress | None] = ContextVar("jarvis_db_progress", default=None)


async def say(text: str) -> None:
    """Report one step; a broken receiver never breaks the work."""
    log.debug("db_progress", step=text)
    receiver = PROGRESS.get()
    if receiver is None:
        return
    try:
        await receiver(text)
    except Exception as exc:
        log.warning("db progress receiver failed: %s", type(exc).__name__)
