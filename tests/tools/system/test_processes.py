"""system.top_processes against real children: busy, big, short-lived and secret-bearing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

from tests.tools.system.conftest import MB, call
from tools.deps import ToolDeps


async def test_top_processes_by_memory_finds_the_big_child(deps: ToolDeps, spawn: Any) -> None:
    child = spawn("x = b'x' * 200_000_000")
    result = await call("system.top_processes", deps, sort="memory", limit=100, interval=0.1)
    assert 0 < len(result.processes) <= 100
    assert result.process_count >= len(result.processes)
    rss = [p.rss or 0 for p in result.processes]
    assert rss == sorted(rss, reverse=True)
    found = next(p for p in result.processes if p.pid == child.pid)
    assert (found.rss or 0) > 190 * MB
    assert found.memory_percent is not None
    assert found.memory_percent > 0
    assert found.user is not None
    assert found.cmdline is not None
    assert found.cmdline.startswith(sys.executable)
    assert len(found.cmdline) <= 200


async def test_top_processes_by_cpu_finds_a_busy_child(deps: ToolDeps) -> None:
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        await asyncio.sleep(0.2)
        result = await call("system.top_processes", deps, sort="cpu", limit=100, interval=0.5)
    finally:
        busy.kill()
        busy.wait(timeout=10)
    cpu = [p.cpu_percent or 0.0 for p in result.processes]
    assert cpu == sorted(cpu, reverse=True)
    found = next(p for p in result.processes if p.pid == busy.pid)
    assert (found.cpu_percent or 0) > 20
    assert found.status in {"running", "sleeping"}


async def test_top_processes_survives_processes_that_exit(deps: ToolDeps) -> None:
    """Children that exit and are reaped during the CPU sample are dropped, not raised."""
    short = [subprocess.Popen(["sleep", "0.3"]) for _ in range(5)]
    task = asyncio.create_task(call("system.top_processes", deps, limit=100, interval=1.0))
    await asyncio.sleep(0.6)  # the task primed while they lived; now they are gone
    for proc in short:
        proc.wait(timeout=10)
    result = await task
    assert result.processes
    assert not {p.pid for p in short} & {p.pid for p in result.processes}


async def test_top_processes_truncates_and_redacts_cmdlines(deps: ToolDeps, spawn: Any) -> None:
    secret = "hunter2hunter2"
    pad = "a" * 300
    child = spawn(f"x = b'x' * 200_000_000  # PASSWORD={secret} {pad}")
    result = await call("system.top_processes", deps, sort="memory", limit=100, interval=0.1)
    found = next(p for p in result.processes if p.pid == child.pid)
    assert found.cmdline is not None
    assert len(found.cmdline) == 200
    assert found.cmdline.endswith("...")
    assert secret not in found.cmdline
    assert "PASSWORD=[[redacted]]" in found.cmdline
