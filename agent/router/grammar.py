"""The phrasings the router understands, in the order they are tried.

Each pattern must match a whole clause (after politeness is stripped), so a message that
merely mentions a word ("I love plex") matches nothing.
"""

from __future__ import annotations

import re

from agent.router.container_rules import ERROR_RULES, LATE_RULES, LISTS, LOG_RULES, PRUNE
from agent.router.host_rules import HEALTH, RESOURCES
from agent.router.phrases import HOST_WORDS, PRUNABLE_WORDS, Rule, T
from agent.router.watch_rules import RULES as WATCH

# Prune before anything else ("remove unused images" is a prune, not a removal); questions
# the background checks answer ("what's wrong", "run a check") before the live health check,
# and that before the overview ("are all containers running" is a check).
RULES: list[Rule] = [*PRUNE, *WATCH, *HEALTH, *LISTS, *RESOURCES]
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
    "TARGETED",
    "Rule",
]
