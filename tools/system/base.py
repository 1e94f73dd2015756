"""What the system tools share: the family, memory/disk/process models and psutil helpers."""

from __future__ import annotations

from typing import Any

import psutil
from pydantic import BaseModel, Field

from core.redaction import redact_text
from tools.registry import ToolFamily

family = ToolFamily("system")

# Kernel and helper filesystems that hold no user data. Overlay and squashfs are container
# layers and snap images: their space is counted on the backing disk, and snaps are always full.
PSEUDO_FS = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
        "devtmpfs", "efivarfs", "fusectl", "fuse.gvfsd-fuse", "fuse.lxcfs", "fuse.portal",
        "fuse.snapfuse", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc", "pstore", "ramfs",
        "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs",
    }
)  # fmt: skip
CMDLINE_MAX = 200
_PROC_ATTRS = ["pid", "name", "username", "memory_info", "memory_percent", "status", "cmdline"]


class Memory(BaseModel):
    total: int
    available: int
    used: int
    free: int
    percent: float
    buffers: int | None = None
    cached: int | None = None
    shared: int | None = None


class Swap(BaseModel):
    total: int
    used: int
    free: int
    percent: float
    sin: int
    sout: int


class DiskUsage(BaseModel):
    path: str
    total: int
    used: int
    free: int
    percent: float


class Mount(DiskUsage):
    """One mounted filesystem with its space and inode use."""

    device: str
    fstype: str
    read_only: bool
    inodes_total: int
    inodes_used: int
    inodes_free: int
    inodes_percent: float | None = Field(description="None when the filesystem has no inode limit")


class ProcessInfo(BaseModel):
    pid: int
    name: str
    user: str | None
    cpu_percent: float | None = Field(description="100 = one full core; may exceed 100")
    rss: int | None
    memory_percent: float | None
    status: str | None
    cmdline: str | None


def memory_stats() -> Memory:
    vm = psutil.virtual_memory()
    return Memory(
        total=vm.total, available=vm.available, used=vm.used, free=vm.free, percent=vm.percent,
        buffers=getattr(vm, "buffers", None), cached=getattr(vm, "cached", None),
        shared=getattr(vm, "shared", None),
    )  # fmt: skip


def swap_stats() -> Swap:
    sw = psutil.swap_memory()
    return Swap(
        total=sw.total, used=sw.used, free=sw.free, percent=sw.percent, sin=sw.sin, sout=sw.sout
    )


def process_info(info: dict[str, Any]) -> ProcessInfo:
    mem = info.get("memory_info")
    mem_pct = info.get("memory_percent")
    argv = info.get("cmdline")
    cmdline = redact_text(" ".join(argv)) if argv else None
    if cmdline and len(cmdline) > CMDLINE_MAX:
        cmdline = cmdline[: CMDLINE_MAX - 3] + "..."
    return ProcessInfo(
        pid=info["pid"], name=info.get("name") or "?", user=info.get("username"),
        cpu_percent=info.get("cpu_percent"), rss=mem.rss if mem else None,
        memory_percent=round(mem_pct, 2) if mem_pct is not None else None,
        status=info.get("status"), cmdline=cmdline,
    )  # fmt: skip


def snapshot(procs: list[psutil.Process], with_cpu: bool) -> list[ProcessInfo]:
    attrs = [*_PROC_ATTRS, "cpu_percent"] if with_cpu else _PROC_ATTRS
    out = []
    for proc in procs:
        try:
            out.append(process_info(proc.as_dict(attrs, ad_value=None)))
        except psutil.NoSuchProcess:  # exited meanwhile (as_dict maps AccessDenied to None)
            continue
    return out


def list_processes(primed: bool = False) -> list[psutil.Process]:
    """Fresh Process objects (not psutil's shared cache, so concurrent samples don't mix)."""
    procs = []
    for pid in psutil.pids():
        try:
            proc = psutil.Process(pid)
            if primed:
                proc.cpu_percent(None)
        except psutil.NoSuchProcess:
            continue
        except psutil.AccessDenied:
            pass
        procs.append(proc)
    return procs


def by_rss(procs: list[ProcessInfo]) -> list[ProcessInfo]:
    return sorted(procs, key=lambda p: p.rss or 0, reverse=True)
