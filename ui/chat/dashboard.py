"""The /dashboard command: the overview panels at once, each read through the gate."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import chainlit as cl
import psutil

from core.errors import JarvisError
from ui.chat import live, widgets
from ui.web.state import get_state

# A small in-memory history for the sparkline; it starts again when the server does.
_history: deque[dict[str, float]] = deque(maxlen=60)


def sample() -> None:
    """Add one CPU/memory point to the history."""
    _history.append(
        {
            "t": time.time(),
            "cpu": psutil.cpu_percent(interval=None),
            "mem": psutil.virtual_memory().percent,
        }
    )


async def sample_forever(every_seconds: float = 30.0) -> None:
    """Keep the history filled while the server runs."""
    while True:
        sample()
        await asyncio.sleep(every_seconds)


async def _read(tool: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    gate = get_state().runtime.gate
    ctx = live.call_context()
    try:
        outcome = await gate.invoke(ctx, tool, args or {})
    except JarvisError as exc:
        return {"status": "error", "message": exc.message, "data": None}
    return outcome.model_dump(mode="json")


async def overview_props() -> dict[str, Any]:
    """Props of the system overview panel, read now."""
    sample()
    overview, disks, memory = await asyncio.gather(
        _read("system.overview"), _read("system.disks"), _read("system.memory")
    )
    return widgets.system_overview(overview, disks, memory, list(_history))


async def send() -> None:
    """Render the overview panels in one message."""
    overview = await overview_props()
    containers = await _read("docker.list_containers")
    elements: list[cl.Element] = [cl.CustomElement(name="SystemOverview", props=overview)]
    text = "Dashboard: system and containers."
    if containers.get("status") in ("ok", "no_data") and containers.get("data") is not None:
        elements.append(
            cl.CustomElement(name="ContainerTable", props=widgets.container_table(containers))
        )
    else:
        text += f"\nContainers could not be listed: {containers.get('message')}"
    await cl.Message(content=text, elements=elements).send()
