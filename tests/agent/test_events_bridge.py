"""Events across processes over the real Redis on loopback: each arrives once, none loops back,
and a lost connection is renewed."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from agent.events_bridge import EventBridge, bridging, channel_name
from agent.runtime import Runtime, build_runtime
from core.events import Event, EventBus
from core.settings import BackgroundSettings, Settings
from policies.gate import CallContext
from tests.testbed.services import missing_service

REDIS_URL = "redis://127.0.0.1:6379/8"  # a db number of its own; channels are unique per test


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except OSError:
        missing_service("Redis", "apt-get install redis-server (scripts/setup --test does it)")
    yield client
    await client.aclose()


@pytest.fixture
def channel() -> str:
    return f"jarvis-test-{uuid.uuid4().hex[:10]}:events"


async def until(test: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while not test():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def event(n: int) -> Event:
    return Event(kind="run.finished", data={"id": f"run-{n}", "kind": "diagnose"})


async def test_an_event_crosses_once_and_never_comes_back(redis: Redis, channel: str) -> None:
    a_bus, b_bus = EventBus(), EventBus()
    a_seen: list[Event] = []
    b_seen: list[Event] = []
    a_bus.subscribe(a_seen.append)
    b_bus.subscribe(b_seen.append)
    wire = redis.pubsub()
    await wire.subscribe(channel)
    a = EventBridge(a_bus, REDIS_URL, channel)
    b = EventBridge(b_bus, REDIS_URL, channel)
    a.start()
    b.start()
    try:
        await asyncio.wait_for(asyncio.gather(a.subscribed.wait(), b.subscribed.wait()), 10)
        a_bus.publish(event(1))
        assert await until(lambda: len(b_seen) == 1)
        b_bus.publish(event(2))
        assert await until(lambda: len(a_seen) == 2)
        await asyncio.sleep(0.5)  # time for any echo or loop to show itself

        # Each side: its own event (origin None) and the other's, marked with where it came from.
        assert [(e.data["id"], e.origin) for e in a_seen] == [("run-1", None), ("run-2", b.origin)]
        assert [(e.data["id"], e.origin) for e in b_seen] == [("run-1", a.origin), ("run-2", None)]
        assert a.origin != b.origin
        assert a.origin.rsplit(":", 1)[0] == f"{socket.gethostname()}:{os.getpid()}"
        # On the wire: exactly two messages, nothing re-sent by the receiving side.
        sent = []
        for _ in range(10):  # a None is a subscribe confirmation or a quiet 0.1 s
            m = await wire.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if m is not None:
                sent.append(Event.model_validate_json(m["data"]))
        assert [(e.data["id"], e.origin) for e in sent] == [
            ("run-1", a.origin),
            ("run-2", b.origin),
        ]
    finally:
        await a.close()
        await b.close()
        await wire.aclose()  # type: ignore[no-untyped-call]


async def test_garbage_and_own_echoes_are_not_delivered(channel: str) -> None:
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)
    bridge = EventBridge(bus, REDIS_URL, channel)
    assert bridge.deliver(b"not json") is None
    assert bridge.deliver(b'{"kind": "nope", "data": {}, "origin": "x"}') is None
    assert bridge.deliver(bridge.encode(event(1))) is None  # our own, back from Redis
    assert bridge.deliver(event(1).model_dump_json()) is None  # no origin: not a bridge's
    assert bridge.deliver(event(1).model_copy(update={"origin": "h:1:ab"}).model_dump_json())
    assert [e.origin for e in seen] == ["h:1:ab"]
    await bridge.close()


async def test_a_dropped_subscription_is_renewed(redis: Redis, channel: str) -> None:
    a_bus, b_bus = EventBus(), EventBus()
    b_seen: list[Event] = []
    b_bus.subscribe(b_seen.append)
    a = EventBridge(a_bus, REDIS_URL, channel, receive=False)
    b = EventBridge(b_bus, REDIS_URL, channel)
    a.start()
    b.start()
    try:
        await asyncio.wait_for(b.subscribed.wait(), 10)
        # Redis drops b's subscriber connection (as on a restart of Redis).
        clients = await redis.client_list()
        ids = [c["id"] for c in clients if c.get("name") == f"jarvis-events:{b.origin}"]
        assert ids
        for cid in ids:
            await redis.client_kill_filter(_id=cid)
        assert await until(lambda: not b.subscribed.is_set(), 10)
        await asyncio.wait_for(b.subscribed.wait(), 15)
        a_bus.publish(event(3))
        assert await until(lambda: len(b_seen) == 1)
        assert b_seen[0].data["id"] == "run-3"
    finally:
        await a.close()
        await b.close()


async def test_without_redis_nothing_breaks_and_closing_is_bounded(channel: str) -> None:
    bus = EventBus()
    bridge = EventBridge(bus, "redis://127.0.0.1:1/0", channel)  # nothing listens there
    bridge.start()
    bus.publish(event(1))  # the publisher is never held up or broken
    started = asyncio.get_running_loop().time()
    await bridge.flush(1.0)
    await bridge.close()
    assert asyncio.get_running_loop().time() - started < 5


def settings(tmp_path: Path, db_url: str, docker_host: str, queue: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        docker_host=docker_host,
        audit_checkpoint_file=tmp_path / "checkpoints.jsonl",
        audit_syslog=False,
        redis_url=REDIS_URL,
        background=BackgroundSettings(queue_name=queue),
    )


async def test_approvals_asked_and_decided_in_one_process_reach_another(
    tmp_path: Path, db_url: str, docker_host: str, redis: Redis, make_container: Any
) -> None:
    box = make_container()
    queue = f"jarvis-test-{uuid.uuid4().hex[:10]}"
    (tmp_path / "data").mkdir()
    cli: Runtime = build_runtime(settings(tmp_path, db_url, docker_host, queue))
    web: Runtime = build_runtime(settings(tmp_path, db_url, docker_host, queue), migrate=False)
    assert channel_name(web.settings) == f"{queue}:events"
    seen: list[Event] = []
    web.events.subscribe(seen.append)
    try:
        async with bridging(web) as receiver:
            assert receiver is not None
            await asyncio.wait_for(receiver.subscribed.wait(), 10)
            async with bridging(cli, receive=False):
                ctx = CallContext(actor="user:evin")
                asked = await cli.gate.invoke(
                    ctx, "docker.restart_container", {"name": str(box.name)}
                )
                assert asked.status == "approval_required" and asked.approval_id
                await cli.gate.decide(asked.approval_id, approve=True, by="user:evin")
            # Leaving the block flushed them: the web process has all three, from the CLI's.
            assert await until(lambda: len(seen) >= 3)
            await asyncio.sleep(0.3)
    finally:
        await cli.close()
        await web.close()
    assert [(e.kind, e.data["status"]) for e in seen] == [
        ("approval.created", "pending"),
        ("approval.decided", "approved"),
        ("approval.decided", "executed"),
    ]
    assert {e.data["id"] for e in seen} == {asked.approval_id}
    assert all(e.origin is not None for e in seen)
