"""An in-process event bus: what the background agent and the gate tell whoever listens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel

from core.logging import get_logger

log = get_logger("events")

EventKind = Literal[
    "approval.created",
    "approval.decided",
    "finding.opened",
    "finding.closed",
    "run.finished",
]


class Event(BaseModel):
    """One thing that happened, with the public view of what it concerns."""

    kind: EventKind
    data: dict[str, Any]
    # The process an event came from, when another one (over Redis); None: this process.
    origin: str | None = None


Listener = Callable[[Event], None]


class EventBus:
    """Listeners are called in order, synchronously; they must hand slow work off (a task)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns the function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def publish(self, event: Event) -> None:
        """Tell every listener; one that fails is logged and never breaks the publisher."""
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception as exc:
                log.warning("event_listener_failed", kind=event.kind, error_type=type(exc).__name__)
