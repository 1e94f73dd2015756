"""Replies for the ha.* tools: a sensor's value with its unit, what a service call changed.

Entity names are someone else's text: they are shown as data (`token`), never as prose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agent.router.format import token
from agent.router.types import PlannedCall

Data = dict[str, Any]
LISTED = 20


# A short unit without spaces (°C, %, kWh, µg/m³) cannot read as a sentence: shown plain.
_UNIT = re.compile(r"^[^\s`\x00-\x1f]{1,6}$")


def _value(entity: Mapping[str, Any]) -> str:
    state = token(entity.get("state", "?"))
    unit = entity.get("unit")
    if not unit:
        return state
    return f"{state} {unit if _UNIT.match(str(unit)) else token(unit)}"


def _named(entity: Mapping[str, Any]) -> str:
    name, entity_id = entity.get("name"), entity.get("entity_id")
    if not name or name == entity_id:
        return token(entity_id)
    return f"{token(name)} ({token(entity_id)})"


def entity(args: Data, data: Data) -> str:
    """ha.get_entity: "Living Room Temperature (sensor.x) is 21.5 °C."."""
    found = data.get("entity") or {}
    return f"{_named(found)} is {_value(found)}."


def entities(args: Data, data: Data) -> str:
    """ha.list_entities: each entity's name and state."""
    rows = [e for e in data.get("entities") or [] if isinstance(e, Mapping)]
    lines = [f"- {_named(e)}: {_value(e)}" for e in rows[:LISTED]]
    more = f"\n… and {len(rows) - LISTED} more." if len(rows) > LISTED else ""
    kind = f"{token(args['domain'])} entities" if args.get("domain") else "entities"
    return f"{len(rows)} Home Assistant {kind}:\n" + "\n".join(lines) + more


def service(args: Data, data: Data) -> str:
    """ha.call_service / ha.call_security_service: the entity before and after."""
    who = token(data.get("entity_id") or args.get("entity_id"))
    before, after = token(data.get("before", "?")), token(data.get("after", "?"))
    called = token(data.get("service") or f"{args.get('domain')}.{args.get('service')}")
    if before == after:
        return f"Called {called} on {who}; it is still {after}."
    return f"Called {called} on {who}: it was {before}, now {after}."


SUMMARIES = {
    "ha.get_entity": entity,
    "ha.list_entities": entities,
    "ha.call_service": service,
    "ha.call_security_service": service,
}
EMPTY = {
    "ha.list_entities": lambda a, d: "No Home Assistant entity matches that.",
}
_VERBS = {
    "turn_on": "turning on",
    "turn_off": "turning off",
    "toggle": "toggling",
    "lock": "locking",
    "unlock": "unlocking",
    "open_cover": "opening",
    "close_cover": "closing",
    "set_temperature": "setting the temperature of",
}


def describe(call: PlannedCall) -> str | None:
    """What an ha.* call does, as a gerund phrase ("turning on light.kitchen")."""
    if call.tool == "ha.list_entities":
        return "listing Home Assistant entities"
    if call.tool == "ha.get_entity":
        return f"reading {token(call.args.get('entity_id'))}"
    if call.tool in ("ha.call_service", "ha.call_security_service"):
        service = str(call.args.get("service"))
        verb = _VERBS.get(service, f"calling {token(call.args.get('domain'))}.{token(service)} on")
        if call.args.get("domain") == "scene":
            verb = "activating"
        return f"{verb} {token(call.args.get('entity_id'))}"
    return None
