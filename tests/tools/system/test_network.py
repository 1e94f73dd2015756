"""system.network against loopback: counters since boot and rates under real traffic."""

from __future__ import annotations

import asyncio
import socket

import psutil

from tests.tools.system.conftest import call
from tools.deps import ToolDeps


async def test_network_totals_include_loopback(deps: ToolDeps) -> None:
    result = await call("system.network", deps)
    names = {i.name: i for i in result.interfaces}
    assert "lo" in names
    lo = names["lo"]
    before = psutil.net_io_counters(pernic=True)["lo"]
    assert 0 < lo.bytes_sent <= before.bytes_sent
    assert lo.bytes_sent_per_s is None
    assert lo.is_up is True
    assert "127.0.0.1" in lo.addresses


async def test_network_rates_see_loopback_traffic(deps: ToolDeps) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    task = asyncio.create_task(call("system.network", deps, interval=0.5))
    try:
        for _ in range(40):
            sender.sendto(b"x" * 1000, receiver.getsockname())
            receiver.recv(2000)
            await asyncio.sleep(0.005)
        result = await task
    finally:
        sender.close()
        receiver.close()
    lo = next(i for i in result.interfaces if i.name == "lo")
    assert result.interval == 0.5
    assert lo.bytes_recv_per_s is not None
    assert lo.bytes_recv_per_s > 1000  # at least ~40 kB over ~0.5 s
    assert lo.packets_sent_per_s is not None
    assert lo.packets_sent_per_s > 10
