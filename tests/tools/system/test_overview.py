"""system.overview against the real machine: values must agree with psutil and the kernel."""

from __future__ import annotations

import os
import socket

import psutil

from tests.tools.system.conftest import call
from tools.deps import ToolDeps


async def test_overview_matches_the_machine(deps: ToolDeps) -> None:
    result = await call("system.overview", deps)
    assert result.memory.total == psutil.virtual_memory().total
    assert result.swap.total == psutil.swap_memory().total
    assert result.hostname == socket.gethostname()
    assert result.kernel == os.uname().release
    assert result.cpu_count_logical == psutil.cpu_count()
    assert 0 <= result.cpu_percent <= 100
    assert result.per_cpu_percent is None
    assert result.uptime_seconds > 0
    assert abs(result.boot_time.timestamp() - psutil.boot_time()) < 1
    assert len(result.load_average) == 3
    assert result.root_disk.total == psutil.disk_usage("/").total
    assert result.process_count > 1
    assert result.model_dump_json()


async def test_overview_per_cpu(deps: ToolDeps) -> None:
    result = await call("system.overview", deps, interval=0.1, per_cpu=True)
    assert result.per_cpu_percent is not None
    assert len(result.per_cpu_percent) == psutil.cpu_count()
    assert all(0 <= p <= 100 for p in result.per_cpu_percent)
