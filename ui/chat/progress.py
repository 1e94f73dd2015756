"""Live progress in the chat: a domain workflow's panel, and the steps of long database work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import chainlit as cl

from core.errors import JarvisError
from core.logging import get_logger
from memory.domains import Event, get_domain
from tools.db import progress as db_progress
from tools.workflows.runner import PROGRESS
from ui.chat import live, widgets
from ui.web.state import get_state

log = get_logger("chat.progress")


class ProgressPanel:
    """Shows a ProvisioningProgress widget on the first event and updates it on each next one."""

    def __init__(self) -> None:
        self.elements: dict[int, cl.CustomElement] = {}

    async def __call__(self, event: Event) -> None:
        """Refresh the panel of the event's domain (a failure here never stops the workflow)."""
        try:
            await self._show(event)
        except Exception as exc:
            log.warning("progress_panel_failed", error_type=type(exc).__name__)

    async def _show(self, event: Event) -> None:
        runtime = get_state().runtime
        fqdn = (await get_domain(runtime.db, event.domain_id)).fqdn
        ctx = live.call_context()
        try:
            outcome = await runtime.gate.invoke(ctx, "domains.status", {"fqdn": fqdn})
        except JarvisError:
            return
        props = widgets.provisioning_progress(outcome.model_dump(mode="json"), fqdn)
        element = self.elements.get(event.domain_id)
        if element is None:
            element = cl.CustomElement(name=widgets.PROVISIONING_PROGRESS, props=props)
            self.elements[event.domain_id] = element
            await cl.Message(content=f"Working on `{fqdn}`:", elements=[element]).send()
        else:
            element.props = props
            await element.update()


class StepsMessage:
    """One chat message listing the steps of long database work, updated as they come."""

    SHOWN = 8  # the last steps; a long restore's early ones scroll out

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.ongoing = False
        self.message: cl.Message | None = None

    async def __call__(self, text: str, ongoing: bool) -> None:
        """Add a step (an ongoing one replaces the previous ongoing line)."""
        if self.ongoing and self.lines:
            self.lines.pop()
        self.lines.append(text)
        self.ongoing = ongoing
        # Server, database and table names are the owner's, shown as code, never as markup.
        content = "\n".join(f"- `{_plain(line)}`" for line in self.lines[-self.SHOWN :])
        if self.message is None:
            self.message = cl.Message(content=content, author="progress")
            await self.message.send()
        else:
            self.message.content = content
            await self.message.update()


def _plain(line: str) -> str:
    return line.replace("`", "'")


@contextmanager
def following() -> Iterator[None]:
    """Domain workflows and database work run inside this block report to the open chat."""
    token = PROGRESS.set(ProgressPanel())
    db_token = db_progress.PROGRESS.set(StepsMessage())
    try:
        yield
    finally:
        db_progress.PROGRESS.reset(db_token)
        PROGRESS.reset(token)
