"""Domain requests: the phrasing a clause matches whole, and the target it points to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agent.router.domain_phrases import PHRASES
from agent.router.domain_words import F, is_address, is_domain
from agent.router.names import resolve
from agent.router.phrases import compile_rules
from agent.router.types import Inventory

RULES = compile_rules(PHRASES)
DOMAIN_INTENTS = frozenset(r.intent for r in RULES)
# Intents that a bare domain after them repeats: "renew the cert for a.com and b.com".
REPEATABLE = frozenset(
    {"domain_status", "domain_renew", "domain_cert", "domain_diagnose", "domain_health"}
    | {"domain_remove"}
)
BARE_DOMAIN = re.compile(F)
# The intents that send something to a target (a container or host:port).
TARGETED = frozenset({"domain_provision", "domain_add"})


@dataclass
class DomainMatch:
    """A phrasing about domains that matched a clause whole."""

    intent: str
    fqdn: str | None = None
    target: str | None = None
    port: int | None = None
    opts: dict[str, Any] = field(default_factory=dict)


def match(text: str, inventory: Inventory) -> DomainMatch | None:
    """The domain request a clause makes, if one of the phrasings matches it whole."""
    for rule in RULES:
        m = rule.pattern.fullmatch(text)
        if m is None:
            continue
        groups = m.groupdict()
        fqdn = groups.get("fqdn")
        if fqdn is not None and not is_domain(fqdn, inventory):
            continue
        found = DomainMatch(rule.intent, fqdn, groups.get("target"))
        if groups.get("port"):
            found.port = int(groups["port"])
        if groups.get("cport"):
            found.opts["port"] = int(groups["cport"])
        return found
    return None


def repeat(text: str, intent: str, inventory: Inventory) -> DomainMatch | None:
    """ "b.com" in "renew the cert for a.com and b.com": the same request for another domain."""
    if intent not in REPEATABLE:
        return None
    m = BARE_DOMAIN.fullmatch(text)
    if m is None or not is_domain(m.group("fqdn"), inventory):
        return None
    return DomainMatch(intent, m.group("fqdn"))


@dataclass(frozen=True)
class Target:
    """Where a domain should point: `host:port` for the tool, or what is still missing."""

    value: str | None = None
    candidates: list[str] = field(default_factory=list)
    unknown: bool = False
    # The container or host found, when its port is not known (the tool needs one).
    needs_port: str | None = None


def resolve_target(typed: str, port: int | None, inventory: Inventory) -> Target:
    """A typed target as the tool takes it: "host:port", a container with its first port."""
    host, _, typed_port = typed.partition("/")
    if port is None and typed_port:
        port = int(typed_port)
    if is_address(host):
        return Target(f"{host}:{port}") if port is not None else Target(needs_port=host)
    found = resolve(host, inventory)
    if found.name is not None:
        port = port if port is not None else inventory.port_of(found.name)
        return Target(f"{found.name}:{port}") if port is not None else Target(needs_port=found.name)
    if found.ambiguous:
        return Target(candidates=found.candidates)
    # No such container: with a port it is a host to dial, and when the containers could
    # not be read the name is taken as typed; the tool checks either.
    if port is not None:
        return Target(f"{host}:{port}")
    if not inventory.complete and " " not in host:
        return Target(needs_port=host)
    return Target(unknown=True)
