"""system.disks: every mounted filesystem with space and inode use, warning about full ones."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import psutil
from pydantic import Field

from tools.deps import ToolDeps
from tools.hosts.base import LOCAL, HostArgs, host_label
from tools.registry import ToolResult
from tools.system.base import PSEUDO_FS, Mount, family
from tools.system.remote import remote_mounts

# Mount and PSEUDO_FS live in base (the remote path shares them); kept importable from here.
__all__ = ["PSEUDO_FS", "DisksArgs", "DisksResult", "Mount", "disks"]
STATFS_TIMEOUT = 5.0  # a stale network mount blocks statvfs; do not wait for it forever


class DisksArgs(HostArgs):
    all: bool = Field(False, description="Include pseudo/in-memory filesystems (tmpfs, overlay)")
    threshold_percent: float = Field(
        90.0, ge=0, le=100, description="Warn about mounts whose space or inode use reaches this %"
    )


class DisksResult(ToolResult):
    host: str = Field(LOCAL, description="The machine the mounts are on (`local`: this one).")
    threshold_percent: float
    mounts: list[Mount]
    warnings: list[str]


def _mount(part: Any) -> Mount:
    usage = psutil.disk_usage(part.mountpoint)
    st = os.statvfs(part.mountpoint)
    used_inodes = st.f_files - st.f_ffree
    return Mount(
        path=part.mountpoint, device=part.device, fstype=part.fstype,
        read_only="ro" in part.opts.split(","), total=usage.total, used=usage.used,
        free=usage.free, percent=usage.percent, inodes_total=st.f_files,
        inodes_used=used_inodes, inodes_free=st.f_ffree,
        inodes_percent=round(100 * used_inodes / st.f_files, 1) if st.f_files else None,
    )  # fmt: skip


async def _mount_or_error(part: Any) -> Mount | str:
    try:
        return await asyncio.wait_for(asyncio.to_thread(_mount, part), STATFS_TIMEOUT)
    except TimeoutError:
        return f"{part.mountpoint}: no answer in {STATFS_TIMEOUT:.0f} s (stale network mount?)"
    except OSError as exc:
        return f"{part.mountpoint}: usage unreadable ({exc.strerror or exc})"


@family.tool(
    "disks",
    risk="read",
    resource="system:disks",
    untrusted_output=False,  # kernel counters and the owner's own names
    description=(
        "Every mounted filesystem (local disks, NFS/SMB shares, ZFS, btrfs) with device, type, "
        "size, used/free bytes and %, and inode use; `warnings` lists mounts whose space or "
        "inodes are at or above `threshold_percent` (default 90) and mounts that did not answer. "
        "Use for 'disk full', 'no space left on device', failing writes or capacity planning. "
        "Pseudo filesystems (tmpfs, overlay, proc, snaps) are skipped unless all=true. "
        "With `host`, the same for a registered host over SSH."
    ),
)
async def disks(args: DisksArgs, deps: ToolDeps) -> DisksResult:
    """List mounts with space and inode use, warning about full ones."""
    if args.host is not None:
        mounts, warnings = await remote_mounts(deps, args.host, args.all)
    else:
        mounts, warnings = await _local_mounts(args.all)
    limit = args.threshold_percent
    for m in mounts:
        if m.percent >= limit:
            warnings.append(
                f"{m.path} ({m.device}) {m.percent:.1f}% full, {m.free / 2**30:.1f} GiB free"
            )
        if m.inodes_percent is not None and m.inodes_percent >= limit:
            warnings.append(f"{m.path} uses {m.inodes_percent:.1f}% of its inodes")
    return DisksResult(
        host=host_label(args.host), threshold_percent=limit, mounts=mounts, warnings=warnings
    )


async def _local_mounts(all_fs: bool) -> tuple[list[Mount], list[str]]:
    parts = await asyncio.to_thread(psutil.disk_partitions, True)
    chosen = {  # a mount point listed twice shows the later (top-most) mount
        p.mountpoint: p for p in parts if all_fs or p.mountpoint == "/" or p.fstype not in PSEUDO_FS
    }
    found = await asyncio.gather(*(_mount_or_error(p) for p in chosen.values()))
    warnings = [f for f in found if isinstance(f, str)]
    mounts = sorted(
        (m for m in found if isinstance(m, Mount) and (all_fs or m.total > 0 or m.path == "/")),
        key=lambda m: m.path,
    )
    return mounts, warnings
