"""The /dashboard command: the overview panels at once, each read through the gate."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import chainlit as cl
import psutil

from agent.router.format import inline
from core.errors import JarvisError
from memory.integrations import IntegrationView
from tools.integrations import catalog
from ui.chat import live, render, widgets
from ui.chat.widgets import media
from ui.chat.widgets.base import N8N_WORKFLOWS, PLEX_NOW_PLAYING, SUNSHINE_CLIENTS
from ui.web.state import get_state

PENDING_CARDS = 3  # approval cards drawn; the text counts the rest
HOUSE_DOMAINS = ("light", "switch")  # what the dashboard's entity card shows
# A slow integration shows that it did not answer rather than hold up the rest.
INTEGRATION_SECONDS = 5.0
# Kind -> the tool read for the dashboard and the widget that shows it.
SERVICE_WIDGETS = {
    "plex": ("plex.now_playing", PLEX_NOW_PLAYING),
    "n8n": ("n8n.list_workflows", N8N_WORKFLOWS),
    "sunshine": ("sunshine.clients", SUNSHINE_CLIENTS),
}
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


async def _within(tool: str, args: dict[str, Any], what: str) -> dict[str, Any]:
    """One read, or an error outcome saying it did not answer in time."""
    try:
        return await asyncio.wait_for(_read(tool, args), INTEGRATION_SECONDS)
    except TimeoutError:
        message = f"{what} did not answer within {INTEGRATION_SECONDS:g} s"
        return {"status": "error", "message": message, "data": None}


def _failed(outcome: dict[str, Any]) -> bool:
    return outcome.get("status") not in ("ok", "no_data") or outcome.get("data") is None


async def _house(name: str, several: bool) -> tuple[cl.Element, str | None]:
    """The entity card of one Home Assistant's lights and switches."""
    what = f"Home Assistant {name}"
    reads = await asyncio.gather(
        *(
            _within("ha.list_entities", {"domain": d, "integration": name}, what)
            for d in HOUSE_DOMAINS
        )
    )
    failed = next((r for r in reads if _failed(r)), None)
    if failed is not None:
        outcome = failed
    else:
        entities = [e for r in reads for e in r["data"].get("entities") or []]
        outcome = {**reads[0], "data": {**reads[0]["data"], "entities": entities}}
    props = widgets.entity_card(outcome, name if several else None)
    element = cl.CustomElement(name=widgets.ENTITY_CARD, props=props)
    return element, None if failed is None else f"{what}: {inline(failed.get('message'))}"


async def _service(view: IntegrationView) -> tuple[cl.Element, str | None]:
    """The widget of one Plex, n8n or Sunshine, read now (its failure shown in it)."""
    tool, element_name = SERVICE_WIDGETS[view.kind]
    what = f"{catalog.kind(view.kind).title} {view.name}"
    outcome = await _within(tool, {"integration": view.name}, what)
    element = cl.CustomElement(name=element_name, props=media.PROPS[tool](outcome))
    return element, f"{what}: {inline(outcome.get('message'))}" if _failed(outcome) else None


def _kind_order(view: IntegrationView) -> tuple[int, str]:
    return list(SERVICE_WIDGETS).index(view.kind), view.name


async def integrations() -> tuple[list[str], list[cl.Element]]:
    """A widget per configured integration, read at once; the ones that failed, in words."""
    try:
        views = await get_state().runtime.deps.integrations.list()
    except JarvisError as exc:
        return [f"the integrations ({inline(exc.message)})"], []
    houses = [v for v in views if v.kind == "homeassistant"]
    reads = [_house(v.name, len(houses) > 1) for v in houses]
    services = sorted((v for v in views if v.kind in SERVICE_WIDGETS), key=_kind_order)
    reads += [_service(v) for v in services]
    done = await asyncio.gather(*reads)
    return [why for _, why in done if why], [element for element, _ in done]


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
    problems, found = await integrations()
    elements += found
    if problems:
        text += "\nCould not read " + "; ".join(problems) + "."
    watch_text, watch_elements = await attention()
    text += "\n" + watch_text
    elements += watch_elements
    await cl.Message(content=text, elements=elements).send()
