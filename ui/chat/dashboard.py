"""The /dashboard command: the overview panels at once, each read through the gate."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import chainlit as cl
import psutil

from core.errors import JarvisError
from ui.chat import live, render, widgets
from ui.web.state import get_state

PENDING_CARDS = 3  # approval cards drawn; the text counts the rest
HOUSE_DOMAINS = ("light", "switch")  # what the dashboard's entity card shows
HOUSE_SECONDS = 5.0  # a slow Home Assistant leaves its card out rather than hold the rest
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


async def attention() -> tuple[str, list[cl.Element]]:
    """Open findings and pending approvals: their counts and top items, and their widgets."""
    findings = await _read("findings.list")
    approvals = get_state().runtime.gate.approvals
    pending = [approvals.view(row) for row in await approvals.list("pending")]
    elements: list[cl.Element] = []
    if findings.get("status") in ("ok", "no_data") and findings.get("data") is not None:
        props = widgets.findings_panel(findings)
        elements.append(cl.CustomElement(name=widgets.FINDINGS_PANEL, props=props))
    elements += [render.approval_element(v) for v in pending[:PENDING_CARDS]]
    return widgets.attention_text(findings, pending), elements


async def house() -> list[cl.Element]:
    """The entity card of the lights and switches, when one Home Assistant is configured."""
    try:
        reads = await asyncio.wait_for(
            asyncio.gather(*(_read("ha.list_entities", {"domain": d}) for d in HOUSE_DOMAINS)),
            HOUSE_SECONDS,
        )
    except TimeoutError:
        return []
    found = [r for r in reads if r.get("status") in ("ok", "no_data") and r.get("data")]
    if not found:  # none configured, or it did not answer: the check reports that
        return []
    entities = [e for r in found for e in r["data"].get("entities") or []]
    merged = {**found[0], "data": {**found[0]["data"], "entities": entities}}
    return [cl.CustomElement(name=widgets.ENTITY_CARD, props=widgets.entity_card(merged))]


async def send() -> None:
    """Render the overview panels in one message."""
    overview = await overview_props()
    containers = await _read("docker.list_containers")
    elements: list[cl.Element] = [cl.CustomElement(name="SystemOverview", props=overview)]
    text = "Dashboard: system, containers, open problems and approvals."
    if containers.get("status") in ("ok", "no_data") and containers.get("data") is not None:
        elements.append(
            cl.CustomElement(name="ContainerTable", props=widgets.container_table(containers))
        )
    else:
        text += f"\nContainers could not be listed: {containers.get('message')}"
    elements += await house()
    watch_text, watch_elements = await attention()
    text += "\n" + watch_text
    elements += watch_elements
    await cl.Message(content=text, elements=elements).send()
