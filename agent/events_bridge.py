"""Events between processes: this process's events go out on Redis pub/sub, others' come in.

With `JARVIS_REDIS_URL`, every process (`jarvis serve`, `jarvis worker`, a CLI command)
publishes what happens on its bus to `<queue name>:events`; processes that show things live
(the web app) also subscribe and re-publish other processes' events on their own bus, marked
with the origin, so nothing is sent back out or delivered twice. Pub/sub is at-most-once: an
event published while a process is not subscribed (Redis down, reconnecting) is missed there.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from collections import deque
from collections.abc import AsyncIterator, Callable

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from agent.runtime import Runtime
from core.events import Event, EventBus
from core.logging import get_logger
from core.settings import Settings

log = get_logger("events.bridge")
MAX_PENDING = 1000  # events kept while Redis is away; the oldest go first
RETRY_FIRST, RETRY_MAX = 0.5, 15.0  # seconds between reconnect attempts (doubling)
FLUSH_SECONDS = 5.0  # how long a closing process waits for its events to leave


def channel_name(settings: Settings) -> str:
    """The pub/sub channel of one installation: next to its queue, named after it."""
    return f"{settings.background.queue_name}:events"


def process_origin() -> str:
    """This process, as other processes see it: host, pid and a random part (pids recur)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(6)}"


class EventBridge:
    """Sends local events to the channel and, with `receive`, brings others' events in."""

    def __init__(self, bus: EventBus, url: str, channel: str, *, receive: bool = True) -> None:
        self.bus = bus
        self.channel = channel
        self.receive = receive
        self.origin = process_origin()
        self.client: Redis = Redis.from_url(
            url,
            socket_connect_timeout=5,
            health_check_interval=30,  # a dead subscription is noticed, then renewed
            client_name=f"jarvis-events:{self.origin}",  # shown by CLIENT LIST
        )
        self.subscribed = asyncio.Event()  # set while the subscription is live (tests wait on it)
        self._out: deque[Event] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: Callable[[], None] | None = None

    def listen(self, event: Event) -> None:
        """The bus listener: queue this process's own events; never blocks."""
        if event.origin is not None:
            return  # came in from another process; it was published there
        if len(self._out) >= MAX_PENDING:
            self._out.popleft()
            log.warning("events_bridge_dropped", kind=event.kind)
        self._out.append(event)
        self._idle.clear()
        self._wake.set()

    def start(self) -> None:
        """Listen on the bus and start sending (and receiving) in the background."""
        self._unsubscribe = self.bus.subscribe(self.listen)
        self._tasks.append(asyncio.create_task(self._send_forever()))
        if self.receive:
            self._tasks.append(asyncio.create_task(self._receive_forever()))

    async def flush(self, seconds: float = FLUSH_SECONDS) -> None:
        """Wait (bounded) until every queued event was sent: for short-lived processes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), seconds)

    async def close(self) -> None:
        """Stop listening, sending and receiving; close the connection."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        with contextlib.suppress(RedisError, OSError):
            await self.client.aclose()

    def encode(self, event: Event) -> str:
        """The message for one local event: the event with this process as its origin."""
        return event.model_copy(update={"origin": self.origin}).model_dump_json()

    def deliver(self, raw: bytes | str) -> Event | None:
        """Publish another process's event on the local bus; returns it, or None if skipped."""
        try:
            event = Event.model_validate_json(raw)
        except ValidationError:
            # A newer process's kind, or not ours at all: nothing to show.
            log.warning("events_bridge_bad_message", size=len(raw))
            return None
        if event.origin is None or event.origin == self.origin:
            return None  # our own echo (or anonymous): never delivered twice
        self.bus.publish(event)
        return event

    async def _send_forever(self) -> None:
        delay = RETRY_FIRST
        while True:
            if not self._out:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            event = self._out.popleft()
            try:
                await self.client.publish(self.channel, self.encode(event))
            except Exception as exc:  # Redis away (or a bug): keep the event, never crash
                self._out.appendleft(event)  # kept, in order, until Redis answers again
                log.warning("events_bridge_send_failed", error_type=type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                continue
            delay = RETRY_FIRST

    async def _receive_forever(self) -> None:
        delay = RETRY_FIRST
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.subscribed.set()
                log.info("events_bridge_subscribed", channel=self.channel)
                delay = RETRY_FIRST
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self.deliver(message["data"])
            except Exception as exc:  # Redis away (or a bug): subscribe again after a pause
                log.warning("events_bridge_receive_failed", error_type=type(exc).__name__)
            finally:
                self.subscribed.clear()
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)


@contextlib.asynccontextmanager
async def bridging(rt: Runtime, *, receive: bool = True) -> AsyncIterator[EventBridge | None]:
    """Bridge the runtime's events over Redis while the block runs (none without Redis)."""
    url = rt.settings.redis_url
    if not url:
        yield None
        return
    bridge = EventBridge(rt.events, url, channel_name(rt.settings), receive=receive)
    bridge.start()
    try:
        yield bridge
    finally:
        # What the block caused leaves before the process does (bounded: Redis may be down).
        await bridge.flush()
        await bridge.close()
