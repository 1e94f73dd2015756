"""The phrasings the router understands, in the order they are tried.

Each pattern must match a whole clause (after politeness is stripped), so a message that
merely mentions a word ("I love plex") matches nothing.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from agent.router import n8n_rules, plex_rules, stack_rules, sunshine_rules
from agent.router.container_rules import ERROR_RULES, LATE_RULES, LISTS, LOG_RULES, PRUNE
from agent.router.host_rules import HEALTH, RESOURCES
from agent.router.phrases import HOST_WORDS, PRUNABLE_WORDS, Rule, T
from agent.router.types import PlannedCall
from agent.router.watch_rules import RULES as WATCH


class ServiceRules(Protocol):
    """A module of an integrated service's phrasings, with the options and calls they make."""

    RULES: list[Rule]
    INTENTS: frozenset[str]

    def options(self, intent: str, groups: dict[str, str | None]) -> dict[str, Any]: ...

    def calls_for(self, intent: str, opts: dict[str, Any]) -> list[PlannedCall]: ...


# Integrated services (Plex, n8n, Sunshine): each module has its phrasings, options and calls.
SERVICES: tuple[ServiceRules, ...] = (plex_rules, n8n_rules, sunshine_rules, stack_rules)
# Prune before anything else ("remove unused images" is a prune, not a removal), then the
# services' own phrasings (each names its service); questions the background checks answer
# ("what's wrong", "run a check") before the live health check, and that before the overview
# ("are all containers running" is a check).
RULES: list[Rule] = [*PRUNE, *(r for m in SERVICES for r in m.RULES), *WATCH, *HEALTH, *LISTS]
RULES += RESOURCES
BARE_TARGET = re.compile(T)
PRUNABLE = re.compile(PRUNABLE_WORDS)
# Intents that act on one named container.
TARGETED = frozenset(
    {"logs", "stats", "diagnose", "restart", "start", "stop", "kill", "remove", "inspect"}
)

__all__ = [
    "BARE_TARGET",
    "ERROR_RULES",
    "HOST_WORDS",
    "LATE_RULES",
    "LOG_RULES",
    "PRUNABLE",
    "RULES",
    "SERVICES",
    "TARGETED",
    "Rule",
]
