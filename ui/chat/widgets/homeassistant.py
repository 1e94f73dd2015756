"""Props of the entity card: Home Assistant entities with their state and a toggle button.

Entity names are someone else's text: the element renders them as text, never as markup.
The toggle asks for `ha.call_service` through the gate like any chat request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ui.chat.widgets.base import ACTION_TOOL, Tone, clip, outcome_data, outcome_head

# Domains a button may switch on and off (locks and alarms are left to a written request).
TOGGLEABLE = frozenset({"light", "switch", "fan", "input_boolean"})
MAX_ENTITIES = 50
_TONES: dict[str, Tone] = {
    "on": "ok",
    "off": "neutral",
    "locked": "ok",
    "unlocked": "warn",
    "open": "warn",
    "closed": "neutral",
    "unavailable": "bad",
    "unknown": "neutral",
}


def _toggle(entity: Mapping[str, Any], integration: str | None) -> dict[str, Any] | None:
    """The button's call: the opposite of the entity's state, for the switchable domains."""
    domain, state = str(entity.get("domain")), str(entity.get("state"))
    if domain not in TOGGLEABLE or state not in ("on", "off"):
        return None
    service = "turn_off" if state == "on" else "turn_on"
    args: dict[str, Any] = {"domain": domain, "service": service, "entity_id": entity["entity_id"]}
    if integration:
        args["integration"] = integration
    return {
        "label": "Turn off" if state == "on" else "Turn on",
        "tool": "ha.call_service",
        "args": args,
    }


def _entity(entity: Mapping[str, Any], integration: str | None) -> dict[str, Any]:
    state = str(entity.get("state") or "unknown")
    return {
        "entity_id": str(entity.get("entity_id")),
        "name": clip(str(entity.get("name") or entity.get("entity_id")), 120),
        "domain": str(entity.get("domain") or ""),
        "state": clip(state, 60),
        "unit": clip(entity.get("unit"), 16),
        "tone": _TONES.get(state, "neutral"),
        "toggle": _toggle(entity, integration),
    }


def entity_card(outcome: Mapping[str, Any], integration: str | None = None) -> dict[str, Any]:
    """Props for ha.get_entity (one card) and ha.list_entities (one card per entity)."""
    data = outcome_data(outcome)
    rows = data.get("entities")
    if rows is None and isinstance(data.get("entity"), Mapping):
        rows = [data["entity"]]
    rows = [r for r in rows or [] if isinstance(r, Mapping) and r.get("entity_id")]
    # The button names the integration only when the call did (several are configured).
    named = integration or None
    return {
        **outcome_head(outcome),
        "action": ACTION_TOOL,
        "integration": data.get("integration"),
        "entities": [_entity(r, named) for r in rows[:MAX_ENTITIES]],
        "more": max(len(rows) - MAX_ENTITIES, 0),
    }
