"""The offline intent router: everyday homelab requests mapped onto tool calls, no LLM needed."""

from agent.router.intents import answer, route
from agent.router.model import OfflineRouter
from agent.router.replies import render_reply
from agent.router.types import (
    Calls,
    Clarify,
    ContainerInfo,
    Inventory,
    NoMatch,
    PlannedCall,
    Routed,
)

__all__ = [
    "Calls",
    "Clarify",
    "ContainerInfo",
    "Inventory",
    "NoMatch",
    "OfflineRouter",
    "PlannedCall",
    "Routed",
    "answer",
    "render_reply",
    "route",
]
