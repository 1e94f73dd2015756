"""system.disks against the real mounts: space and inodes must agree with psutil and statvfs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psutil

from tests.tools.system.conftest import call
from tools.deps import ToolDeps
from tools.system import PSEUDO_FS


def _mount_of(path: Path) -> Any:
    parts = {p.mountpoint: p for p in psutil.disk_partitions(all=True)}
    here = path.resolve()
    for candidate in [here, *here.parents]:
        if str(candidate) in parts:
            return parts[str(candidate)]
    raise AssertionError(f"no mount holds {path}")


async def test_disks_include_the_mount_of_a_tmp_dir(deps: ToolDeps, tmp_path: Path) -> None:
    part = _mount_of(tmp_path)
    pseudo = part.fstype in PSEUDO_FS and part.mountpoint != "/"
    result = await call("system.disks", deps, all=pseudo)
    mounts = {m.path: m for m in result.mounts}
    assert part.mountpoint in mounts
    mount = mounts[part.mountpoint]
    st = os.statvfs(tmp_path)
    assert mount.total == psutil.disk_usage(str(tmp_path)).total
    assert mount.fstype == part.fstype
    assert mount.inodes_total == st.f_files
    assert mount.inodes_used + mount.inodes_free == mount.inodes_total
    assert 0 <= mount.percent <= 100


async def test_disks_skip_pseudo_filesystems_by_default(deps: ToolDeps) -> None:
    default = await call("system.disks", deps)
    everything = await call("system.disks", deps, all=True)
    assert default.mounts, "at least the root filesystem"
    assert all(m.fstype not in PSEUDO_FS or m.path == "/" for m in default.mounts)
    assert {m.path for m in default.mounts} <= {m.path for m in everything.mounts}
    if any(p.fstype == "proc" for p in psutil.disk_partitions(all=True)):
        assert "/proc" in {m.path for m in everything.mounts}


async def test_disks_warn_over_the_threshold(deps: ToolDeps) -> None:
    result = await call("system.disks", deps, threshold_percent=0)
    assert result.threshold_percent == 0
    for mount in result.mounts:
        assert any(w.startswith(f"{mount.path} ") for w in result.warnings), mount.path
    default = await call("system.disks", deps)
    for mount in default.mounts:
        warned = any(w.startswith(f"{mount.path} (") for w in default.warnings)
        assert warned == (mount.percent >= 90), mount.path
