"""The background agent inside `jarvis serve`: the schedule, and runs a crash left behind."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from agent.background.queue import enqueuer, open_pool, schedule_lock
from agent.background.schedule import Scheduler
from agent.background.service import Background
from agent.runtime import Runtime
from core.logging import get_logger

log = get_logger("web.background")


@contextlib.asynccontextmanager
async def run_background(rt: Runtime) -> AsyncIterator[None]:
    """Keep the schedule while the app runs: in-process, or (with Redis) enqueueing for the
    workers and owning the schedule only while no other process does."""
    if not rt.settings.background.enabled:
        yield
        return
    pool = None
    if rt.settings.redis_url:
        queue = rt.settings.background.queue_name
        pool = await open_pool(rt)
        scheduler = Scheduler(
            Background(rt, dispatch=enqueuer(pool, queue)), ownership=schedule_lock(pool, queue)
        )
    else:
        scheduler = Scheduler(Background(rt))
    task = asyncio.create_task(scheduler.run_forever())
    log.info("background_started", redis=bool(pool))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if pool is not None:
            await pool.aclose()
