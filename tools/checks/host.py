"""Host checks: disk space, inodes and memory pressure on the machine Jarvis runs on."""

from __future__ import annotations

import asyncio
from typing import Any

import psutil
from pydantic import BaseModel

from memory.findings import Remedy, Severity
from tools.checks.base import Check, CheckContext, CheckResult, CheckSet
from tools.checks.docker_state import docker_root
from tools.docker.client import describe_host
from tools.system.base import Memory, Swap, memory_stats, swap_stats
from tools.system.disks import PSEUDO_FS, Mount, _mount_or_error

checks = CheckSet()
CRITICAL_PERCENT = 97.0
CRITICAL_MARGIN = 5.0  # points over the threshold that make a full disk critical


class Mounts(BaseModel):
    """The mounted filesystems of this pass, and those that did not answer."""

    mounts: list[Mount]
    unreadable: list[str]


async def _read_mounts() -> Mounts:
    parts = await asyncio.to_thread(psutil.disk_partitions, True)
    # The same mounts as the system.disks tool; a mount point listed twice: the top-most.
    chosen = {p.mountpoint: p for p in parts if p.mountpoint == "/" or p.fstype not in PSEUDO_FS}
    found = await asyncio.gather(*(_mount_or_error(p) for p in chosen.values()))
    mounts = [m for m in found if isinstance(m, Mount) and (m.total > 0 or m.path == "/")]
    return Mounts(
        mounts=sorted(mounts, key=lambda m: m.path),
        unreadable=[f for f in found if isinstance(f, str)],
    )


async def _mounts(ctx: CheckContext) -> Mounts:
    found: Mounts = await ctx.shared("mounts", _read_mounts)
    return found


def _severity(percent: float, threshold: float) -> Severity:
    critical_at = min(CRITICAL_PERCENT, threshold + CRITICAL_MARGIN)
    return "critical" if percent >= critical_at else "warning"


def _holder(mounts: list[Mount], path: str) -> str | None:
    """The mount point whose filesystem holds `path` (the longest matching prefix)."""
    inside = [m.path for m in mounts if path == m.path or path.startswith(m.path.rstrip("/") + "/")]
    return max(inside, key=len) if inside else None


async def _reclaim(ctx: CheckContext, mounts: list[Mount], mount: Mount, why: str) -> Remedy | None:
    """docker.reclaim_space when this mount holds the local engine's data root."""
    if not describe_host(ctx.deps.docker_host).startswith("unix://"):
        return None  # a remote engine's data lives on another machine's disks
    root = await docker_root(ctx)
    if root is None or _holder(mounts, root) != mount.path:
        return None
    return Remedy(tool="docker.reclaim_space", args={}, why=why)


def _scope(prefix: str, found: Mounts) -> set[str] | None:
    """Mounts that did not answer keep their findings open; otherwise every one was seen."""
    if not found.unreadable:
        return None
    return {f"{prefix}{m.path}" for m in found.mounts}


async def _over(ctx: CheckContext, check: Check, inodes: bool) -> CheckResult:
    found = await _mounts(ctx)
    bg = ctx.settings.background
    threshold = bg.inode_percent if inodes else bg.disk_percent
    prefix = "host:inodes:" if inodes else "host:disk:"
    out = []
    for m in found.mounts:
        percent = m.inodes_percent if inodes else m.percent
        if percent is None or percent < threshold:
            continue
        evidence: dict[str, Any] = {
            "mountpoint": m.path,
            "device": m.device,
            "fstype": m.fstype,
            "threshold_percent": threshold,
        }
        if inodes:
            evidence |= {"inodes_percent": percent, "inodes_free": m.inodes_free,
                         "inodes_total": m.inodes_total}  # fmt: skip
            summary = f"{m.path} uses {percent:.1f}% of its inodes ({m.inodes_free} free)"
            why = "remove build cache and untagged images, which hold many small files"
        else:
            evidence |= {"used_percent": percent, "free_bytes": m.free, "total_bytes": m.total}
            summary = f"{m.path} is {percent:.1f}% full ({m.free / 2**30:.1f} GiB free)"
            why = "remove build cache and untagged images to free space on Docker's disk"
        remedy = await _reclaim(ctx, found.mounts, m, why)
        sev = _severity(percent, threshold)
        out.append(check.observe(f"{prefix}{m.path}", sev, summary, evidence, remedy))
    return CheckResult(observations=out, scope=_scope(prefix, found))


@checks.check(
    "host.disk",
    title="Disk almost full",
    description="""
    A mounted filesystem (the mounts system.disks lists: local disks, network shares, not
    tmpfs or container layers) whose used space reached background.disk_percent.
    """,
    severity_rule=f"""
    warning at the threshold; critical at {CRITICAL_PERCENT:.0f}% or
    {CRITICAL_MARGIN:.0f} points over the threshold, whichever comes first
    """,
    remedy="docker.reclaim_space, only for the disk that holds Docker's data root",
)
async def disk(ctx: CheckContext) -> CheckResult:
    """Report mounts over the disk-space threshold."""
    return await _over(ctx, disk, inodes=False)


@checks.check(
    "host.inodes",
    title="Inodes almost used up",
    description="""
    A mounted filesystem whose inode use reached background.inode_percent: new files cannot be
    created even with free space left. Filesystems without an inode limit are skipped.
    """,
    severity_rule=f"""
    warning at the threshold; critical at {CRITICAL_PERCENT:.0f}% or
    {CRITICAL_MARGIN:.0f} points over the threshold, whichever comes first
    """,
    remedy="docker.reclaim_space, only for the filesystem that holds Docker's data root",
)
async def inodes(ctx: CheckContext) -> CheckResult:
    """Report mounts over the inode threshold."""
    return await _over(ctx, inodes, inodes=True)


def memory_pressure(mem: Memory, swap: Swap, threshold: float) -> tuple[Severity, str] | None:
    """Severity and reason when RAM or swap use is over `threshold` percent; None if fine."""
    ram = 100.0 - 100.0 * mem.available / mem.total if mem.total else 0.0
    swap_heavy = swap.total > 0 and swap.percent >= threshold
    if ram < threshold and not swap_heavy:
        return None
    # Critical when what is left is under half of the allowed headroom, or RAM and swap are both
    # over: the kernel's OOM killer is then close.
    halfway = threshold + (100.0 - threshold) / 2
    both = ram >= threshold and swap_heavy
    severity: Severity = "critical" if ram >= halfway or both else "warning"
    parts = []
    if ram >= threshold:
        parts.append(f"{ram:.1f}% of memory in use ({mem.available / 2**20:.0f} MiB available)")
    if swap_heavy:
        parts.append(f"swap {swap.percent:.1f}% full")
    return severity, "; ".join(parts)


@checks.check(
    "host.memory",
    title="Memory pressure",
    description="""
    Available memory below (100 - background.memory_percent)% of RAM, or swap used to
    memory_percent or more: programs will be slow or killed by the out-of-memory killer.
    """,
    severity_rule="""
    warning; critical when less than half of the allowed headroom is left, or when RAM and
    swap are both over the threshold
    """,
    remedy=None,
)
async def memory(ctx: CheckContext) -> CheckResult:
    """Report memory pressure on the host."""
    mem, swap = await asyncio.to_thread(lambda: (memory_stats(), swap_stats()))
    threshold = ctx.settings.background.memory_percent
    judged = memory_pressure(mem, swap, threshold)
    if judged is None:
        return CheckResult()
    severity, why = judged
    evidence = {
        "threshold_percent": threshold,
        "total_bytes": mem.total,
        "available_bytes": mem.available,
        "swap_total_bytes": swap.total,
        "swap_used_bytes": swap.used,
        "swap_percent": swap.percent,
    }
    return CheckResult(
        observations=[memory.observe("host:memory", severity, f"Memory pressure: {why}", evidence)]
    )
