"""Requests about another registered host: "disk space on the nas", "how full is the nas".

A clause that ends by naming a registered host ("... on the nas") is the same request for
that host, when the request is one the host's tools answer (disks, memory, containers).
A host word that names no registered host keeps meaning this machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agent.router import db_rules
from agent.router.text import clauses, core, normalize
from agent.router.types import Inventory, PlannedCall

# Intents whose tools take `host`, and the calls they make there.
HOST_INTENTS = frozenset({"disk", "memory", "list"})
_H = r"(?P<host>[a-z0-9][a-z0-9-]*)"
_TAIL = re.compile(
    rf"^(?P<rest>.+?) (?:on|of|at|for|in) (?:the |my |our )?{_H}"
    r"(?: (?:host|server|machine|box|nas))?$"
)
_WHOLE = [
    ("disk", re.compile(rf"how full is (?:the |my |our )?{_H}(?: (?:host|server|machine|box))?")),
    (
        "disk",
        re.compile(
            rf"is (?:the |my |our )?{_H}(?: (?:host|server|machine|box|disk|disks|storage))? "
            r"(?:full|filling up|almost full|nearly full|running out of (?:space|disk space))"
        ),
    ),
    (
        "disk",
        re.compile(
            rf"how much (?:disk space|space|storage|room) (?:is left |is free |do i have |"
            rf"is there )?(?:on|in) (?:the |my |our )?{_H}(?: (?:host|server|machine|box))?"
            r"(?: (?:left|free))?"
        ),
    ),
]


@dataclass(frozen=True)
class OnHost:
    """The clause without its host, and the registered host it named."""

    rest: str
    host: str


def split(text: str, inventory: Inventory) -> OnHost | None:
    """ "disk space on the nas" -> ("disk space", "nas") when nas is registered."""
    m = _TAIL.fullmatch(text)
    if m is None or m.group("host") not in inventory.hosts:
        return None
    return OnHost(m.group("rest"), m.group("host"))


def whole(text: str, inventory: Inventory) -> tuple[str, str] | None:
    """(intent, host) for a phrasing that is about one registered host as a whole."""
    for intent, pattern in _WHOLE:
        m = pattern.fullmatch(text)
        if m is not None and m.group("host") in inventory.hosts:
            return intent, m.group("host")
    return None


def wants_estate(text: str) -> bool:
    """True when a clause of `text` may be about databases or another host (so the registered
    ones are worth reading before routing a plan)."""
    normalized, _ = normalize(text)
    for part in clauses(normalized):
        clause = core(part)
        if db_rules.match(clause) or _TAIL.fullmatch(clause):
            return True
        if any(pattern.fullmatch(clause) for _, pattern in _WHOLE):
            return True
    return False


def calls_for(intent: str, opts: dict[str, Any]) -> list[PlannedCall]:
    """The calls a disk, memory or container request makes on another host."""
    host = opts["host"]
    if intent == "disk":
        return [PlannedCall(tool="system.disks", args={"host": host})]
    if intent == "memory":
        return [PlannedCall(tool="system.memory", args={"host": host})]
    return [PlannedCall(tool="docker.list_containers", args=dict(opts))]
