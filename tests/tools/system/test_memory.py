"""system.memory against the real machine: totals from psutil, a big child among the top."""

from __future__ import annotations

from typing import Any

import psutil

from tests.tools.system.conftest import MB, call
from tools.deps import ToolDeps


async def test_memory_lists_a_200mb_process(deps: ToolDeps, spawn: Any) -> None:
    child = spawn("x = b'x' * 200_000_000")
    result = await call("system.memory", deps, top=100)
    assert result.memory.total == psutil.virtual_memory().total
    assert result.swap.total == psutil.swap_memory().total
    rss = [p.rss or 0 for p in result.top_processes]
    assert rss == sorted(rss, reverse=True)
    ours = {p.pid: p for p in result.top_processes}
    assert child.pid in ours
    assert (ours[child.pid].rss or 0) > 190 * MB
    assert (await call("system.memory", deps, top=0)).top_processes == []
