"""The schedule as data: when each job is next due, and the loop that starts them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from agent.background.service import Background
from core.logging import get_logger
from core.settings import ScheduleEntry
from memory import runs
from memory.models import utcnow

log = get_logger("schedule")

# Owning the schedule: an async context that holds while this process may start jobs.
Ownership = Callable[[], contextlib.AbstractAsyncContextManager[None]]


class DueJob(BaseModel):
    """One schedule entry and when it runs next."""

    entry: ScheduleEntry
    last: datetime | None
    next: datetime
    busy: bool = False  # its last run has not finished: never two of one job at once


def next_due(entry: ScheduleEntry, last: datetime | None, now: datetime) -> datetime:
    """When the entry runs next: an interval after its last run (now if never), or the next
    time of day after its last run (the next one after now if it never ran)."""
    if entry.every_seconds is not None:
        return now if last is None else last + timedelta(seconds=entry.every_seconds)
    assert entry.at is not None
    zone = ZoneInfo(entry.tz)
    base = (last or now).astimezone(zone)
    candidate = base.replace(hour=entry.at.hour, minute=entry.at.minute, second=0, microsecond=0)
    if candidate <= base:
        candidate += timedelta(days=1)
    return candidate.astimezone(now.tzinfo)


async def due_jobs(bg: Background, now: datetime | None = None) -> list[DueJob]:
    """Every schedule entry with its last run (from the runs table) and next time."""
    now = now or utcnow()
    out: list[DueJob] = []
    recent = await runs.list_runs(bg.rt.db, limit=500, top_level=True)
    for entry in bg.rt.settings.background.schedule:
        mine = [r for r in recent if r.trigger == "schedule" and r.options.get("job") == entry.name]
        last = mine[0].queued_at if mine else None
        busy = bool(mine) and mine[0].status in ("queued", "running")
        due = next_due(entry, last, now)
        out.append(DueJob(entry=entry, last=last, next=due, busy=busy))
    return out


@contextlib.asynccontextmanager
async def always_owner() -> AsyncIterator[None]:
    """Embedded mode: the one process owns its schedule."""
    yield


class Scheduler:
    """Sleeps until the next job is due, starts it, repeats; no polling in between."""

    def __init__(self, bg: Background, ownership: Ownership = always_owner) -> None:
        self.bg = bg
        self.ownership = ownership

    async def start_due(self, now: datetime | None = None) -> list[str]:
        """Start every job that is due now; returns the run ids."""
        now = now or utcnow()
        started: list[str] = []
        for job in await due_jobs(self.bg, now):
            if job.next > now or job.busy:
                continue
            run = await self.bg.start(
                job.entry.kind,
                trigger="schedule",
                options={"job": job.entry.name, "checks": job.entry.checks},
                wait=False,
            )
            started.append(run.id)
        return started

    async def seconds_to_next(self) -> float:
        """How long until something is due."""
        jobs = await due_jobs(self.bg)
        if not jobs:
            return 3600.0
        soonest = min(j.next for j in jobs)
        return max((soonest - utcnow()).total_seconds(), 0.0)

    async def run_forever(
        self, on_error: Callable[[Exception], Awaitable[None]] | None = None
    ) -> None:
        """Own the schedule (waiting for it if another process has it) and keep it."""
        while True:
            try:
                async with self.ownership():
                    await self.bg.take_up()
                    while True:
                        await self.start_due()
                        # Capped, so an edited clock or a lost lock is noticed within a minute.
                        await asyncio.sleep(min(await self.seconds_to_next(), 60.0) + 0.05)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("scheduler_error", error_type=type(exc).__name__, error=str(exc))
                if on_error is not None:
                    await on_error(exc)
                await asyncio.sleep(5)
