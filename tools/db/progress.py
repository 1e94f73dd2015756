"""Progress of long database work, for whoever shows it (a chat panel sets the receiver)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from pathlib import Path

from core.logging import get_logger
from core.units import size

log = get_logger("db.progress")
# (text, ongoing): an ongoing line replaces the previous ongoing one ("412 MB written so far").
OnProgress = Callable[[str, bool], Awaitable[None]]
EVERY_SECONDS = 2.0  # how often a growing file's size is reported
# Set per task by the caller that shows progress (it cannot pass a callback through the gate);
# unset, progress goes to the log only.
PROGRESS: ContextVar[OnProgress | None] = ContextVar("jarvis_db_progress", default=None)


async def say(text: str, *, ongoing: bool = False) -> None:
    """Report one step; a broken receiver never breaks the work."""
    log.debug("db_progress", step=text)
    receiver = PROGRESS.get()
    if receiver is None:
        return
    try:
        await receiver(text, ongoing)
    except Exception as exc:
        log.warning("db progress receiver failed: %s", type(exc).__name__)


@contextlib.asynccontextmanager
async def growing(path: Path, what: str) -> AsyncIterator[None]:
    """While the block runs, say every few seconds how much of `path` is written."""
    if PROGRESS.get() is None:
        yield
        return

    async def watch() -> None:
        while True:
            await asyncio.sleep(EVERY_SECONDS)
            with contextlib.suppress(OSError):
                await say(f"{what}: {size(path.stat().st_size)} so far", ongoing=True)

    task = asyncio.create_task(watch())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
