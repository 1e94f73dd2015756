"""Live in the chat: new approvals, findings and finished runs reach every open chat, and an
answer given anywhere updates the cards that show the approval.

The runtime's event bus carries this process's events and, with Redis, other processes'
(agent/events_bridge.py). A listener queues them; one task draws them into each connected
session of a signed-in person.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import chainlit as cl
from chainlit.session import WebsocketSession

from agent.router.format import clean, inline
from agent.router.watch_text import resource
from core.errors import NotFound
from core.events import Event
from core.logging import get_logger
from policies.gate import Gate
from policies.outcome import ApprovalView
from ui.chat import live, render, widgets
from ui.web.state import WebState, on_startup

log = get_logger("chat.broadcast")
QUEUE_MAX = 1000  # events waiting to be drawn; beyond that they are dropped (and logged)
SEND_SECONDS = 15.0  # one session that does not answer must not hold up the others


def run_is_news(data: Mapping[str, Any]) -> bool:
    """Whether a finished run deserves a line: not repairs (their pass reports them), and not
    an automatic check pass that found nothing new and did nothing (every few minutes)."""
    if data.get("kind") == "repair" or data.get("parent_id"):
        return False
    if data.get("status") != "succeeded" or data.get("trigger") == "manual":
        return True
    if data.get("kind") not in ("diagnose", "remediate"):
        return True
    new = any(isinstance(f, Mapping) and f.get("new") for f in data.get("findings") or [])
    return new or bool(data.get("actions")) or bool(data.get("approvals"))


def run_text(data: Mapping[str, Any]) -> str:
    """One line on a finished run."""
    kind = clean(data.get("kind") or "?", 40)
    verb = "failed" if data.get("status") == "failed" else "finished"
    summary = clean(data.get("summary") or data.get("error") or "no summary", 400)
    return f"Background run {kind} {verb}: {summary}"


def approval_text(view: ApprovalView) -> str:
    """The line above a new approval's card."""
    # As code: Markdown would read ":name" in "user:name" as a directive and drop it.
    who = "the background agent" if view.actor == "agent:autonomous" else inline(view.actor, 80)
    text = f"New approval: {inline(view.tool)} on {resource(view.resource)}, asked by {who}"
    text += f" ({clean(view.reason, 200)})."
    return text + (f" {clean(view.purpose, 300)}" if view.purpose else "")


def finding_props(data: Mapping[str, Any]) -> dict[str, Any]:
    """FindingsPanel props for one finding, as the findings list would show it."""
    outcome = {"status": "ok", "data": {"findings": [dict(data)]}}
    return widgets.findings_panel({**outcome, "invocation": {"tool": "findings.list"}})


def finding_text(data: Mapping[str, Any]) -> str:
    """The line above a new finding's panel."""
    severity = clean(data.get("severity") or "warning", 20)
    check = inline(data.get("check") or "?", 60)
    return f"New problem ({severity}, {check}) on {resource(data.get('resource'))}."


async def update_cards(elements: list[cl.CustomElement], props: dict[str, Any]) -> None:
    """Redraw cards already on the page with new props (and keep the stored copy in step)."""
    for element in elements:
        if not element.for_id:
            continue  # never sent (its message failed): nothing on the page to update
        element.props = props
        element.content = json.dumps(props)
        await element.update()


class Broadcaster:
    """Queues the bus's events as they happen; a task draws them into the open chats."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_MAX)

    def listen(self, event: Event) -> None:
        """The event bus listener: queue and return at once."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("live_event_dropped", kind=event.kind)

    async def run(self) -> None:
        """Draw queued events until cancelled; one that fails is logged and skipped."""
        while True:
            event = await self.queue.get()
            try:
                await self.handle(event)
            except Exception as exc:
                log.exception("live_event_failed", kind=event.kind, error_type=type(exc).__name__)

    async def handle(self, event: Event) -> None:
        """Draw one event in every session it concerns."""
        if event.kind == "approval.created":
            await self._asked(event)
        elif event.kind == "approval.decided":
            await self._decided(event)
        elif event.kind == "finding.opened":
            props, text = finding_props(event.data), finding_text(event.data)
            element = {"name": widgets.FINDINGS_PANEL, "props": props}
            await self._each(lambda _s: self._say(text, element))
        elif event.kind == "run.finished" and run_is_news(event.data):
            text = run_text(event.data)
            await self._each(lambda _s: self._say(text))

    async def _view(self, event: Event) -> ApprovalView | None:
        # The row, not the message: it is the truth (a message may be stale, or forged by
        # whoever can write to Redis), and it has the newest state.
        try:
            row = await self.gate.approvals.get(str(event.data.get("id") or ""))
        except NotFound:
            return None
        return self.gate.approvals.view(row)

    async def _asked(self, event: Event) -> None:
        view = await self._view(event)
        if view is None:
            return
        # The session whose turn asked draws the card in its own reply.
        asker = view.thread_id if event.origin is None else None
        text = approval_text(view)

        async def send(session: WebsocketSession) -> None:
            if (asker and session.thread_id == asker) or live.cards(session.id, view.id):
                return
            await cl.Message(content=text, elements=[render.approval_element(view)]).send()

        await self._each(send)

    async def _decided(self, event: Event) -> None:
        view = await self._view(event)
        if view is None:
            return
        props = widgets.approval_card(view)

        async def send(session: WebsocketSession) -> None:
            await update_cards(live.cards(session.id, view.id), props)

        await self._each(send)

    @staticmethod
    async def _say(text: str, element: dict[str, Any] | None = None) -> None:
        elements: list[cl.Element] = [cl.CustomElement(**element)] if element else []
        await cl.Message(content=text, elements=elements).send()

    @staticmethod
    async def _each(send: Callable[[WebsocketSession], Awaitable[None]]) -> None:
        """Run `send` in every open session, each in its own context, none holding up another."""

        async def one(session: WebsocketSession) -> None:
            async def bounded() -> None:
                await asyncio.wait_for(send(session), SEND_SECONDS)

            await live.push_to(session, bounded)

        # gather wraps each in a task: its own copy of the context for init_ws_context.
        await asyncio.gather(*(one(s) for s in live.open_sessions()))


@on_startup
@asynccontextmanager
async def broadcast_events(state: WebState) -> AsyncIterator[None]:
    """While the app runs, the runtime's events are drawn into the open chats."""
    broadcaster = Broadcaster(state.runtime.gate)
    unsubscribe = state.runtime.events.subscribe(broadcaster.listen)
    task = asyncio.create_task(broadcaster.run())
    try:
        yield
    finally:
        unsubscribe()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
