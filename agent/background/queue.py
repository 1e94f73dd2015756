"""Scale-out: runs go to a Redis queue (arq) that `jarvis worker` processes consume."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker, func
from redis.exceptions import LockError

from agent.background.schedule import Scheduler
from agent.background.service import Background
from agent.runtime import Runtime
from core.logging import get_logger

log = get_logger("queue")
EXECUTE = "execute_run"
LOCK_SECONDS = 60


def redis_settings(url: str) -> RedisSettings:
    """arq's connection settings from JARVIS_REDIS_URL."""
    return RedisSettings.from_dsn(url)


async def open_pool(rt: Runtime) -> ArqRedis:
    """A connection to the queue."""
    url = rt.settings.redis_url
    assert url is not None
    return await create_pool(
        redis_settings(url), default_queue_name=rt.settings.background.queue_name
    )


def enqueuer(pool: ArqRedis, queue: str) -> Any:
    """A dispatch function for Background: the run id is the job id, so a run is queued once."""

    async def dispatch(run_id: str) -> None:
        await pool.enqueue_job(EXECUTE, run_id, _job_id=f"run:{run_id}", _queue_name=queue)

    return dispatch


def schedule_lock(pool: ArqRedis, queue: str) -> Any:
    """Ownership of the schedule: a Redis lock, renewed while held, lost if this process dies."""

    @contextlib.asynccontextmanager
    async def owning() -> AsyncIterator[None]:
        lock = pool.lock(f"{queue}:schedule-owner", timeout=LOCK_SECONDS, sleep=1.0)
        await lock.acquire(blocking=True)
        log.info("schedule_owned", queue=queue)

        async def renew() -> None:
            while True:
                await asyncio.sleep(LOCK_SECONDS / 3)
                await lock.reacquire()

        keeper = asyncio.create_task(renew())
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError, LockError):
                await keeper
            with contextlib.suppress(LockError):
                await lock.release()

    return owning


async def run_worker(rt: Runtime, *, schedule: bool = True) -> None:
    """Consume runs from the queue (and own the schedule when no other worker does)."""
    queue = rt.settings.background.queue_name
    pool = await open_pool(rt)
    bg = Background(rt, dispatch=enqueuer(pool, queue))
    local = Background(rt)  # executes what this worker takes off the queue

    async def execute_run(_ctx: dict[str, Any], run_id: str) -> str:
        done = await local.execute(run_id)
        return done.status

    worker = Worker(
        functions=[func(execute_run, name=EXECUTE)],  # type: ignore[arg-type]
        queue_name=queue,
        redis_pool=pool,
        handle_signals=False,
        job_timeout=3600,
        max_tries=3,
        poll_delay=1.0,
        keep_result=3600,
    )
    tasks = [asyncio.create_task(worker.async_run())]
    if schedule:
        scheduler = Scheduler(bg, ownership=schedule_lock(pool, queue))
        tasks.append(asyncio.create_task(scheduler.run_forever()))
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await worker.close()
        await pool.aclose()


@contextlib.asynccontextmanager
async def open_background(rt: Runtime) -> AsyncIterator[Background]:
    """The Background that starts runs: on the Redis queue when one is set, else in-process."""
    if not rt.settings.redis_url:
        yield Background(rt)
        return
    pool = await open_pool(rt)
    try:
        yield Background(rt, dispatch=enqueuer(pool, rt.settings.background.queue_name))
    finally:
        await pool.aclose()
