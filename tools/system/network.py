"""system.network: per-interface state, addresses, counters and sampled rates."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import psutil
from pydantic import BaseModel, Field

from tools.deps import ToolDeps
from tools.hosts.base import HostArgs, local_only
from tools.registry import ToolResult
from tools.system.base import family


class NetworkArgs(HostArgs):
    interval: float = Field(
        0.0, ge=0, le=5, description="Seconds to sample to compute rates; 0 = totals only"
    )


class Interface(BaseModel):
    name: str
    is_up: bool | None
    speed_mbps: int | None
    addresses: list[str]
    bytes_sent: int
    bytes_recv: int
    packets_sent: int
    packets_recv: int
    errors_in: int
    errors_out: int
    drops_in: int
    drops_out: int
    bytes_sent_per_s: float | None = None
    bytes_recv_per_s: float | None = None
    packets_sent_per_s: float | None = None
    packets_recv_per_s: float | None = None


class NetworkResult(ToolResult):
    interval: float
    interfaces: list[Interface]


def _interface(name: str, c: Any, stats: dict[str, Any], addrs: dict[str, Any]) -> Interface:
    st = stats.get(name)
    inet = (socket.AF_INET, socket.AF_INET6)
    return Interface(
        name=name, is_up=st.isup if st else None, speed_mbps=(st.speed or None) if st else None,
        addresses=[a.address for a in addrs.get(name, []) if a.family in inet],
        bytes_sent=c.bytes_sent, bytes_recv=c.bytes_recv, packets_sent=c.packets_sent,
        packets_recv=c.packets_recv, errors_in=c.errin, errors_out=c.errout,
        drops_in=c.dropin, drops_out=c.dropout,
    )  # fmt: skip


@family.tool(
    "network",
    risk="read",
    resource="system:network",
    untrusted_output=False,  # kernel counters and the owner's own names
    description=(
        "Per network interface (including lo and docker bridges): up/down, link speed, IP "
        "addresses and counters since boot of bytes and packets sent/received, errors and drops. "
        "With interval > 0 (max 5 s) also bytes/packets per second over that window. Use for "
        "bandwidth questions, a saturated link, packet loss or a NIC that is down."
    ),
)
async def network(args: NetworkArgs, deps: ToolDeps) -> NetworkResult:
    """Report interface counters and, when sampled, rates."""
    local_only("system.network", args.host)
    first = await asyncio.to_thread(psutil.net_io_counters, pernic=True)
    started = time.monotonic()
    last = first
    if args.interval > 0:
        await asyncio.sleep(args.interval)
        last = await asyncio.to_thread(psutil.net_io_counters, pernic=True)
    elapsed = max(time.monotonic() - started, 1e-6)
    stats = await asyncio.to_thread(psutil.net_if_stats)
    addrs = await asyncio.to_thread(psutil.net_if_addrs)
    interfaces = []
    for name in sorted(last):
        iface = _interface(name, last[name], stats, addrs)
        before = first.get(name)
        if args.interval > 0 and before is not None:
            for field in ("bytes_sent", "bytes_recv", "packets_sent", "packets_recv"):
                delta = getattr(iface, field) - getattr(before, field)
                setattr(iface, f"{field}_per_s", round(delta / elapsed, 1))
        interfaces.append(iface)
    return NetworkResult(interval=args.interval, interfaces=interfaces)
