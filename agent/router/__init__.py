"""The offline intent router: everyday homelab requests mapped onto tool calls, no LLM needed.

The router as a chat model (`agent.router.model.OfflineRouter`) is not re-exported: it loads
LangChain, and a plan from the terminal needs only `route`.
"""

from agent.router.intents import answer, route
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
    "PlannedCall",
    "Routed",
    "answer",
    "render_reply",
    "route",
]
