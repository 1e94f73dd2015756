"""Runs: create, claim, execute with a heartbeat, finish, and take up what a crash left."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from agent.background.passes import KINDS, PASSES, PassResult
from agent.runtime import Runtime
from core.errors import BadInput, JarvisError
from core.events import Event
from core.logging import get_logger
from memory import runs
from memory.models import utcnow
from memory.runs import RunView, Trigger
from policies.engine import AUTONOMOUS

log = get_logger("background")

# Hands a queued run to whoever executes it: in-process, or a Redis queue.
Dispatch = Callable[[str], Awaitable[None]]


def worker_name() -> str:
    """This process, as it signs the runs it takes."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Background:
    """Starts and executes runs; one definition of jobs, whatever carries them."""

    def __init__(self, rt: Runtime, dispatch: Dispatch | None = None) -> None:
        self.rt = rt
        self.worker = worker_name()
        # None: execute in this process (embedded); else e.g. enqueue on Redis.
        self.dispatch = dispatch
        # Runs started without waiting; held so they are not collected mid-way.
        self._running: set[asyncio.Task[RunView]] = set()

    @property
    def _stale(self) -> timedelta:
        return timedelta(seconds=self.rt.settings.background.stale_run_seconds)

    async def start(
        self,
        kind: str,
        *,
        trigger: Trigger = "manual",
        options: dict[str, Any] | None = None,
        wait: bool = True,
    ) -> RunView:
        """Queue a run and hand it over; embedded and `wait`, execute it here and now."""
        if kind not in KINDS:
            raise BadInput(f"unknown run kind {kind!r}; kinds: {', '.join(KINDS)}")
        run = await runs.create_run(
            self.rt.db, kind=kind, trigger=trigger, actor=AUTONOMOUS, options=options
        )
        if self.dispatch is not None:
            await self.dispatch(run.id)
            return run
        if wait:
            return await self.execute(run.id)
        task = asyncio.get_running_loop().create_task(self.execute(run.id))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return run

    async def drain(self) -> None:
        """Wait for the runs this object started without waiting."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def execute(self, run_id: str) -> RunView:
        """Claim the run and do it; a run someone else holds (alive) is left to them."""
        run = await runs.claim_run(
            self.rt.db, run_id, worker=self.worker, stale_before=utcnow() - self._stale
        )
        if run is None:
            return await runs.get_run(self.rt.db, run_id)
        beat = asyncio.create_task(self._heartbeat(run_id))
        try:
            result = await PASSES[run.kind](self.rt, run)
        except JarvisError as exc:
            result = PassResult(summary=f"{run.kind} failed: {exc.message}", failed=True)
            result.error = exc.message
        except Exception as exc:
            log.exception("run_crashed", run=run_id, error_type=type(exc).__name__)
            why = f"{type(exc).__name__}; see the logs"
            result = PassResult(summary=f"{run.kind} failed: {why}", failed=True, error=why)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        await runs.record_progress(
            self.rt.db,
            run_id,
            findings=result.findings,
            actions=result.actions,
            approvals=result.approvals,
        )
        done = await runs.finish_run(
            self.rt.db,
            run_id,
            status="failed" if result.failed else "succeeded",
            summary=result.summary,
            error=result.error,
        )
        self.rt.events.publish(Event(kind="run.finished", data=done.model_dump(mode="json")))
        log.info("run_finished", run=run_id, kind=done.kind, status=done.status)
        return done

    async def _heartbeat(self, run_id: str) -> None:
        every = max(self._stale.total_seconds() / 4, 1.0)
        while True:
            await asyncio.sleep(every)
            await runs.heartbeat(self.rt.db, run_id, self.worker)

    async def take_up(self) -> list[str]:
        """Runs a dead process left queued or running: execute (or re-dispatch) them."""
        cutoff = utcnow() - self._stale
        taken: list[str] = []
        for run in await runs.unfinished_runs(self.rt.db):
            if run.parent_id is not None:
                continue  # repairs are redone by their pass, with the same idempotency key
            silent = run.heartbeat_at or run.queued_at
            if run.status == "running" and silent >= cutoff:
                continue  # alive elsewhere
            if run.status == "queued" and self.dispatch is not None:
                await self.dispatch(run.id)
            else:
                await self.execute(run.id)
            taken.append(run.id)
        return taken
