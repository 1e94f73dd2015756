"""system.overview: hostname, OS, uptime, CPU, load, memory, swap and root disk at a glance."""

from __future__ import annotations

import asyncio
import platform
import socket
import time
from datetime import UTC, datetime

import psutil
from pydantic import Field

from tools.deps import ToolDeps
from tools.hosts.base import HostArgs, local_only
from tools.registry import ToolResult
from tools.system.base import DiskUsage, Memory, Swap, family, memory_stats, swap_stats


class OverviewArgs(HostArgs):
    interval: float = Field(0.2, ge=0.05, le=2.0, description="Seconds to sample CPU usage over")
    per_cpu: bool = Field(False, description="Also return the usage of each logical CPU")


class OverviewResult(ToolResult):
    hostname: str
    os: str
    kernel: str
    architecture: str
    boot_time: datetime
    uptime_seconds: float
    cpu_count_logical: int | None
    cpu_count_physical: int | None
    cpu_percent: float
    per_cpu_percent: list[float] | None
    load_average: list[float] = Field(description="1, 5 and 15 minute load averages")
    memory: Memory
    swap: Swap
    root_disk: DiskUsage
    process_count: int


def _os_name() -> str:
    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME") or platform.system()
    except OSError:
        return f"{platform.system()} {platform.version()}"


def _overview(args: OverviewArgs) -> OverviewResult:
    per_cpu = psutil.cpu_percent(args.interval, percpu=True)
    boot = psutil.boot_time()
    root = psutil.disk_usage("/")
    return OverviewResult(
        hostname=socket.gethostname(), os=_os_name(), kernel=platform.release(),
        architecture=platform.machine(), boot_time=datetime.fromtimestamp(boot, UTC),
        uptime_seconds=round(time.time() - boot, 1),
        cpu_count_logical=psutil.cpu_count(), cpu_count_physical=psutil.cpu_count(logical=False),
        cpu_percent=round(sum(per_cpu) / max(len(per_cpu), 1), 1),
        per_cpu_percent=per_cpu if args.per_cpu else None,
        load_average=[round(x, 2) for x in psutil.getloadavg()],
        memory=memory_stats(), swap=swap_stats(),
        root_disk=DiskUsage(path="/", total=root.total, used=root.used, free=root.free,
                            percent=root.percent),
        process_count=len(psutil.pids()),
    )  # fmt: skip


@family.tool(
    "overview",
    risk="read",
    resource="system:host",
    untrusted_output=False,  # kernel counters and the owner's own names
    description=(
        "Health summary of the machine Jarvis runs on: hostname, OS and kernel, uptime and boot "
        "time, CPU count and current CPU % (sampled over `interval` s), load averages 1/5/15 min, "
        "memory and swap use, root disk use and process count. Use it first for 'how is the "
        "server doing', slowness or general health questions; drill down with system.disks, "
        "system.memory, system.network or system.top_processes."
    ),
)
async def overview(args: OverviewArgs, deps: ToolDeps) -> OverviewResult:
    """Summarise the host's health."""
    local_only("system.overview", args.host)
    return await asyncio.to_thread(_overview, args)
