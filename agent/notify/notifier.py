"""Listens to the runtime's events and sends what deserves it, folded and never blocking."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from agent.notify.channels import Channel, Delivery, open_channels
from agent.notify.messages import Message, fold, message_for
from agent.runtime import Runtime
from core.events import Event
from core.logging import get_logger

log = get_logger("notify")


def base_url(rt: Runtime) -> str:
    """Where links point: the public URL, else the address `jarvis serve` listens on."""
    if rt.settings.public_url is not None:
        return str(rt.settings.public_url).rstrip("/")
    return f"http://{rt.settings.host}:{rt.settings.port}"


class Notifier:
    """Queues events as they happen; a task folds bursts and sends them to each channel."""

    def __init__(self, rt: Runtime, channels: list[Channel]) -> None:
        self.rt = rt
        self.channels = channels
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._sent_at: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.deliveries: list[Delivery] = []  # the most recent, for status and tests

    def listen(self, event: Event) -> None:
        """The event bus listener: queue and return at once."""
        if event.origin is not None:
            return  # another process's event (over Redis): that process sends it
        self._idle.clear()
        self._queue.put_nowait(event)

    def start(self) -> None:
        """Start sending in the background."""
        self._task = asyncio.create_task(self._run())

    async def drain(self, seconds: float = 60.0) -> None:
        """Wait (bounded) until every queued event was handled: for short-lived processes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), seconds)

    async def close(self) -> None:
        """Stop sending."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        burst = self.rt.settings.notify_burst_seconds
        while True:
            batch = [await self._queue.get()]
            await asyncio.sleep(burst)  # what follows closely is folded into one message
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._send(batch)
            except Exception as exc:  # never let one bad batch stop notifications
                log.exception("notify_batch_failed", error_type=type(exc).__name__)
            if self._queue.empty():
                self._idle.set()

    def _quiet(self, message: Message) -> bool:
        if message.quiet_key is None:
            return False
        now = time.monotonic()
        last = self._sent_at.get(message.quiet_key)
        if last is not None and now - last < self.rt.settings.notify_quiet_seconds:
            return True
        self._sent_at[message.quiet_key] = now
        return False

    async def _send(self, events: list[Event]) -> None:
        base = base_url(self.rt)
        messages = [m for e in events if (m := message_for(e, self.rt.links, base)) is not None]
        messages = [await self._scrubbed(m) for m in messages if not self._quiet(m)]
        if not messages:
            return
        sends = []
        for channel in self.channels:
            wanted = [m for m in messages if m.always or channel.wants(m.severity)]
            if wanted:
                sends.append(self._deliver(channel, fold(wanted)))
        self.deliveries = list(await asyncio.gather(*sends))

    async def _scrubbed(self, message: Message) -> Message:
        # The same scrub that guards the model and the audit log: no secret leaves in a message.
        _, title = await self.rt.gate.prep.scrub(None, message.title, {})
        _, body = await self.rt.gate.prep.scrub(None, message.body, {})
        return message.model_copy(update={"title": title or "", "body": body or ""})

    async def _deliver(self, channel: Channel, message: Message) -> Delivery:
        return await channel.send(
            message.title, message.text, message.severity, self.rt.settings.notify_retries
        )


async def send_test(rt: Runtime) -> list[Delivery]:
    """One test message to every channel, each reporting whether it was delivered."""
    channels = open_channels(rt.settings.notify_urls)
    body = f"This is a test from Jarvis at {base_url(rt)}. If you read this, the channel works."
    return list(
        await asyncio.gather(
            *(
                c.send("Jarvis test message", body, "info", rt.settings.notify_retries)
                for c in channels
            )
        )
    )


@contextlib.asynccontextmanager
async def notifying(rt: Runtime) -> AsyncIterator[Notifier | None]:
    """Send notifications while the block runs (and what it caused, before it ends)."""
    if not rt.settings.notify_urls:
        yield None
        return
    notifier = Notifier(rt, open_channels(rt.settings.notify_urls))
    unsubscribe = rt.events.subscribe(notifier.listen)
    notifier.start()
    try:
        yield notifier
        await notifier.drain()
    finally:
        unsubscribe()
        await notifier.close()
