"""Propagation checks against real Knot servers on 127.0.0.1."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from tests.testbed.knot import KnotServer, free_port, running_knot
from tools.dns.propagation import NameServer, check_once, find_authoritative, wait_for
from tools.dns.rfc2136 import Rfc2136Provider


@pytest.fixture(scope="module")
def stale_knot(knot: KnotServer) -> Iterator[KnotServer]:
    """A second authoritative server for the same zone that never receives the updates."""
    with running_knot(zones=knot.zones) as server:
        yield server


@pytest.fixture
def provider(knot: KnotServer) -> Rfc2136Provider:
    return Rfc2136Provider(
        knot.host, knot.port, knot.zones, knot.key_name, SecretStr(knot.secret), knot.algorithm
    )


def _server(knot: KnotServer, name: str = "primary") -> NameServer:
    return NameServer(name=name, ip=knot.host, port=knot.port)


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_find_authoritative(knot: KnotServer) -> None:
    found = await find_authoritative(knot.zone, f"127.0.0.1:{knot.port}", port=knot.port)
    assert found == [NameServer(name="ns1.example.test", ip="127.0.0.1", port=knot.port)]


async def test_record_appears_and_matches(knot: KnotServer, provider: Rfc2136Provider) -> None:
    fqdn = f"p{uuid.uuid4().hex[:8]}.{knot.zone}"
    servers = [_server(knot)]
    before = await check_once(fqdn, "A", ["10.9.0.1"], servers)
    assert not before.done and before.lagging[0].values == ()

    await provider.ensure_record(fqdn, "A", ["10.9.0.1"])
    after = await check_once(fqdn, "A", ["10.9.0.1"], servers)
    assert after.done and after.answers[0].values == ("10.9.0.1",)

    await provider.delete_record(fqdn, "A")
    assert (await check_once(fqdn, "A", [], servers)).done


async def test_lagging_servers_are_listed(
    knot: KnotServer, stale_knot: KnotServer, provider: Rfc2136Provider
) -> None:
    fqdn = f"p{uuid.uuid4().hex[:8]}.{knot.zone}"
    await provider.ensure_record(fqdn, "TXT", ["hello"])
    dead = NameServer(name="dead", ip="127.0.0.1", port=free_port())
    servers = [_server(knot), _server(stale_knot, "stale"), dead]
    report = await check_once(fqdn, "TXT", ["hello"], servers, query_timeout=0.5)
    assert not report.done
    by_name = {a.server.name: a for a in report.answers}
    assert by_name["primary"].matches and by_name["primary"].values == ("hello",)
    assert not by_name["stale"].matches and by_name["stale"].error is None
    assert not by_name["dead"].matches and by_name["dead"].error in {"refused", "timeout"}
    assert {a.server.name for a in report.lagging} == {"stale", "dead"}
    assert "stale" in report.summary() and "dead" in report.summary()


async def test_wait_for_respects_the_deadline(knot: KnotServer, stale_knot: KnotServer) -> None:
    fqdn = f"p{uuid.uuid4().hex[:8]}.{knot.zone}"
    fake = FakeTime()
    report = await wait_for(
        fqdn,
        "A",
        ["10.9.9.9"],
        [_server(knot), _server(stale_knot, "stale")],
        deadline_seconds=60,
        first_delay=1,
        max_delay=8,
        clock=fake.clock,
        sleep=fake.sleep,
        rng=random.Random(1),
    )
    assert report.deadline_reached and not report.done
    assert report.attempts == len(fake.sleeps) + 1
    assert sum(fake.sleeps) == pytest.approx(60)
    assert report.elapsed_seconds == pytest.approx(60)
    assert all(s <= 8 for s in fake.sleeps)
    # Backoff grows (with jitter between 50 % and 100 % of the step) until the cap.
    assert fake.sleeps[0] <= 1 and 2 <= fake.sleeps[2] <= 4
    assert {a.server.name for a in report.lagging} == {"primary", "stale"}


async def test_wait_for_returns_once_all_match(knot: KnotServer, provider: Rfc2136Provider) -> None:
    fqdn = f"p{uuid.uuid4().hex[:8]}.{knot.zone}"
    fake = FakeTime()

    async def sleep_then_publish(seconds: float) -> None:
        await fake.sleep(seconds)
        if len(fake.sleeps) == 2:
            await provider.ensure_record(fqdn, "A", ["10.9.1.1"])

    report = await wait_for(
        fqdn,
        "A",
        ["10.9.1.1"],
        [_server(knot)],
        deadline_seconds=300,
        clock=fake.clock,
        sleep=sleep_then_publish,
        rng=random.Random(2),
    )
    assert report.done and not report.deadline_reached
    assert report.attempts == 3 and len(fake.sleeps) == 2
