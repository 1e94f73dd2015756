"""Realistic tool outcomes, built from the tools' own result models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.messages import read_outcome, tool_message
from policies.outcome import Invocation, ToolOutcome
from tools.docker.containers import (
    ContainerState,
    ContainerSummary,
    InspectContainerResult,
    ListContainersResult,
    RestartPolicy,
)
from tools.docker.engine import DiskCategory, DiskItem, DiskUsageResult
from tools.docker.lifecycle import LifecycleResult
from tools.docker.observe import ContainerLogsResult, ContainerStatsResult
from tools.registry import ToolResult
from tools.system.base import DiskUsage, Memory, ProcessInfo, Swap
from tools.system.disks import DisksResult, Mount
from tools.system.memory import MemoryResult
from tools.system.overview import OverviewResult
from tools.system.processes import TopProcessesResult

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
GIB = 2**30


def outcome(
    tool: str,
    status: str = "ok",
    data: ToolResult | None = None,
    args: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The outcome dict the model reads back from the tool message, as in the graph."""
    result = ToolOutcome(
        status=status,  # type: ignore[arg-type]
        invocation=Invocation(tool=tool, args=args or {}, actor="user:admin", resource="x"),
        data=data.model_dump(mode="json") if data is not None else None,
        **extra,
    )
    return read_outcome(tool_message("call-1", tool, result))


def container(
    name: str,
    state: str = "running",
    status: str = "Up 3 hours",
    health: str = "none",
    restarts: int = 0,
) -> ContainerSummary:
    """One row of docker.list_containers."""
    return ContainerSummary(
        id="0123456789ab",
        name=name,
        image=f"example/{name}:latest",
        state=state,
        status=status,
        health=health,  # type: ignore[arg-type]
        ports=[],
        created=NOW,
        started_at=NOW,
        uptime_seconds=10800 if state == "running" else None,
        restart_count=restarts,
        compose_project=None,
        compose_service=None,
    )


def listing(*rows: ContainerSummary) -> ListContainersResult:
    """docker.list_containers' result."""
    return ListContainersResult(containers=list(rows))


def lifecycle(
    name: str, action: str, *, running: bool = True, changed: bool = True
) -> LifecycleResult:
    """A start/stop/restart result."""
    return LifecycleResult(
        name=name,
        id="0123456789ab",
        action=action,
        previous_state="running",
        state="running" if running else "exited",
        running=running,
        changed=changed,
        started_at=NOW,
        finished_at=None,
        exit_code=0 if running else 1,
    )


def logs(name: str, lines: list[str], searched: int | None = None) -> ContainerLogsResult:
    """docker.container_logs' result."""
    return ContainerLogsResult(
        name=name, lines=lines, searched_lines=searched or len(lines), truncated=False
    )


def stats(name: str) -> ContainerStatsResult:
    """docker.container_stats' result."""
    return ContainerStatsResult(
        name=name, id="0123456789ab", read_at=NOW, cpu_percent=12.5, online_cpus=4,
        memory_usage_bytes=512 * 2**20, memory_limit_bytes=8 * GIB, memory_percent=6.25,
        net_rx_bytes=GIB, net_tx_bytes=300 * 2**20, block_read_bytes=0, block_write_bytes=0,
        pids=34,
    )  # fmt: skip


def inspect(name: str) -> InspectContainerResult:
    """docker.inspect_container's result, environment values already placeholders."""
    return InspectContainerResult(
        id="0123456789ab", name=name, image="postgres:16", image_id="fedcba987654",
        created=NOW, command=["postgres"],
        state=ContainerState(
            status="running", running=True, paused=False, restarting=False, oom_killed=False,
            dead=False, pid=42, exit_code=0, error="", started_at=NOW, finished_at=None,
            health="healthy", failing_streak=0,
        ),
        restart_policy=RestartPolicy(name="unless-stopped", maximum_retry_count=0),
        restart_count=2, mounts=[], networks=[], ports=[], labels={},
        env={"POSTGRES_PASSWORD": "[[secret:3f9a]]", "POSTGRES_USER": "[[secret:77aa]]"},
    )  # fmt: skip


def memory(percent: float = 40.0) -> Memory:
    """A memory sample."""
    total = 16 * GIB
    used = int(total * percent / 100)
    return Memory(
        total=total, available=total - used, used=used, free=total - used, percent=percent
    )


def swap() -> Swap:
    """A swap sample."""
    return Swap(total=2 * GIB, used=0, free=2 * GIB, percent=0.0, sin=0, sout=0)


def overview(mem_percent: float = 40.0, load: float = 0.5) -> OverviewResult:
    """system.overview's result."""
    return OverviewResult(
        hostname="nas", os="Ubuntu 24.04 LTS", kernel="6.8", architecture="x86_64",
        boot_time=NOW, uptime_seconds=300000.0, cpu_count_logical=4, cpu_count_physical=2,
        cpu_percent=7.5, per_cpu_percent=None, load_average=[load, 0.4, 0.3],
        memory=memory(mem_percent), swap=swap(),
        root_disk=DiskUsage(path="/", total=100 * GIB, used=40 * GIB, free=60 * GIB, percent=40.0),
        process_count=312,
    )  # fmt: skip


def disks(root_percent: float = 40.0) -> DisksResult:
    """system.disks' result; a mount at 90 % or more comes with its warning."""
    free = int(100 * GIB * (100 - root_percent) / 100)
    root = Mount(
        path="/", device="/dev/sda1", fstype="ext4", read_only=False, total=100 * GIB,
        used=100 * GIB - free, free=free, percent=root_percent, inodes_total=1000,
        inodes_used=10, inodes_free=990, inodes_percent=1.0,
    )  # fmt: skip
    warnings = [f"/ (/dev/sda1) {root_percent:.1f}% full"] if root_percent >= 90 else []
    return DisksResult(threshold_percent=90.0, mounts=[root], warnings=warnings)


def docker_disk() -> DiskUsageResult:
    """docker.disk_usage's result."""
    cat = DiskCategory(count=3, active=2, size_bytes=4 * GIB, reclaimable_bytes=GIB)
    return DiskUsageResult(
        images=cat, containers=cat, volumes=cat, build_cache=cat,
        total_size_bytes=16 * GIB, total_reclaimable_bytes=4 * GIB,
        largest=[DiskItem(kind="image", name="postgres:16", size_bytes=GIB, in_use=True)],
    )  # fmt: skip


def process(pid: int, name: str, cpu: float = 1.0) -> ProcessInfo:
    """One process row."""
    return ProcessInfo(
        pid=pid, name=name, user="root", cpu_percent=cpu, rss=100 * 2**20,
        memory_percent=0.6, status="running", cmdline=name,
    )  # fmt: skip


def memory_report(*procs: ProcessInfo) -> MemoryResult:
    """system.memory's result."""
    return MemoryResult(memory=memory(), swap=swap(), top_processes=list(procs))


def top(*procs: ProcessInfo) -> TopProcessesResult:
    """system.top_processes' result."""
    return TopProcessesResult(sort="cpu", interval=0.5, process_count=312, processes=list(procs))
