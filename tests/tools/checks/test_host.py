"""The host checks on this machine's real mounts and memory, with thresholds moved."""

from __future__ import annotations

import os
from pathlib import Path

from tests.tools.checks.conftest import context, observe
from tools.checks import host
from tools.checks.docker_state import docker_root
from tools.deps import ToolDeps
from tools.system.base import Memory, Swap


def _holder(path: str) -> str:
    here = Path(path)
    for candidate in [here, *here.parents]:
        if os.path.ismount(candidate):
            return str(candidate)
    return "/"


async def test_disk_over_a_tiny_threshold_is_reported_and_not_at_100(
    tool_deps: ToolDeps,
) -> None:
    found = await observe(host.disk, context(tool_deps, disk_percent=0.1))
    root = found["host:disk:/"]
    assert root.severity == "critical"  # over 5.1%: threshold + 5
    assert root.evidence["threshold_percent"] == 0.1
    assert 0 < root.evidence["used_percent"] <= 100
    assert root.evidence["free_bytes"] > 0
    assert "full" in root.summary
    assert await observe(host.disk, context(tool_deps, disk_percent=100)) == {}


async def test_the_disk_with_dockers_data_root_gets_the_reclaim_remedy(
    tool_deps: ToolDeps,
) -> None:
    ctx = context(tool_deps, disk_percent=0.1)
    root = await docker_root(ctx)
    assert root is not None
    found = await observe(host.disk, ctx)
    mounts = (await host._mounts(ctx)).mounts
    holder = host._holder(mounts, root)
    assert holder is not None
    for resource, obs in found.items():
        if resource == f"host:disk:{holder}":
            assert obs.remedy is not None
            assert obs.remedy.tool == "docker.reclaim_space" and obs.remedy.args == {}
        else:
            assert obs.remedy is None


async def test_inodes_over_a_tiny_threshold_are_reported(tool_deps: ToolDeps) -> None:
    st = os.statvfs("/")
    found = await observe(host.inodes, context(tool_deps, inode_percent=0.0001))
    if st.f_files == 0 or st.f_files == st.f_ffree:
        assert "host:inodes:/" not in found  # no inode limit, or none used
    else:
        obs = found["host:inodes:/"]
        assert obs.evidence["inodes_total"] == st.f_files
        assert "inodes" in obs.summary
    assert await observe(host.inodes, context(tool_deps, inode_percent=100)) == {}


async def test_memory_pressure_follows_the_threshold(tool_deps: ToolDeps) -> None:
    found = await observe(host.memory, context(tool_deps, memory_percent=0.1))
    obs = found["host:memory"]
    assert obs.severity in ("warning", "critical")
    assert obs.evidence["available_bytes"] <= obs.evidence["total_bytes"]
    assert "Memory pressure" in obs.summary
    # 100%: only with nothing available at all, or swap completely full.
    assert await observe(host.memory, context(tool_deps, memory_percent=100)) == {}


def _mem(available: int) -> Memory:
    return Memory(total=1000, available=available, used=1000 - available, free=0, percent=0)


def _swap(percent: float, total: int = 100) -> Swap:
    return Swap(total=total, used=int(percent), free=0, percent=percent, sin=0, sout=0)


def test_memory_severity_rule() -> None:
    judge = host.memory_pressure
    assert judge(_mem(500), _swap(0), 90) is None
    assert judge(_mem(500), _swap(95, total=0), 90) is None  # no swap at all
    assert judge(_mem(80), _swap(0), 90) == (
        "warning",
        "92.0% of memory in use (0 MiB available)",
    )
    sev, why = judge(_mem(40), _swap(0), 90) or ("", "")
    assert sev == "critical"  # under half the headroom left
    sev, why = judge(_mem(500), _swap(95), 90) or ("", "")
    assert sev == "warning" and why == "swap 95.0% full"
    sev, _ = judge(_mem(80), _swap(95), 90) or ("", "")
    assert sev == "critical"


def test_disk_severity_rule() -> None:
    assert host._severity(91, 90) == "warning"
    assert host._severity(95, 90) == "critical"
    assert host._severity(97, 95) == "critical"
    assert host._severity(96, 95) == "warning"
    assert host._severity(98.5, 98) == "critical"
