"""Which Home Assistant entity a house request names, resolved against the live entity list.

An exact name or id wins; otherwise every word typed must appear in the entity's name or id,
within the domains the request and its device words allow. Two or more fits: ask which.
"""

from __future__ import annotations

from typing import Any

from agent.router.format import token
from agent.router.ha_rules import DEVICE_WORDS, HaMatch
from agent.router.types import Clarify, EntityRef, Inventory, PlannedCall

CHOICE = "{choice}"
ADD_HA = "`jarvis integrations add homeassistant --url URL --token TOKEN`"
_FILLER = frozenset({"the", "my", "our", "a", "an", "all", "in", "of", "at", "room's"})
# The domains each request may act on, and the service it calls there.
SWITCHABLE = ("light", "switch", "fan", "input_boolean", "media_player", "climate", "siren")
_DOMAINS: dict[str, tuple[str, ...]] = {
    "ha_turn_on": (*SWITCHABLE, "scene", "script"),
    "ha_turn_off": SWITCHABLE,
    "ha_toggle": SWITCHABLE,
    "ha_lock": ("lock",),
    "ha_unlock": ("lock",),
    "ha_scene": ("scene",),
    "ha_open_cover": ("cover",),
    "ha_close_cover": ("cover",),
    "ha_brightness": ("light",),
    "ha_temperature": ("climate",),
}
_SERVICE = {
    "ha_turn_on": "turn_on",
    "ha_turn_off": "turn_off",
    "ha_toggle": "toggle",
    "ha_lock": "lock",
    "ha_unlock": "unlock",
    "ha_scene": "turn_on",
    "ha_open_cover": "open_cover",
    "ha_close_cover": "close_cover",
    "ha_brightness": "turn_on",
    "ha_temperature": "set_temperature",
}
SECURITY = frozenset({"lock", "alarm_control_panel"})
# How a request is asked again once the person picked an entity.
_RETRY = {
    "ha_turn_on": "turn on {choice}",
    "ha_turn_off": "turn off {choice}",
    "ha_toggle": "toggle {choice}",
    "ha_lock": "lock {choice}",
    "ha_unlock": "unlock {choice}",
    "ha_scene": "activate scene {choice}",
    "ha_open_cover": "open {choice}",
    "ha_close_cover": "close {choice}",
    "ha_read": "state of {choice}",
}


def _words(text: str) -> list[str]:
    return [w for w in text.lower().replace("_", " ").replace(".", " ").split() if w]


def _hay(entity: EntityRef) -> set[str]:
    return set(_words(entity.entity_id) + _words(entity.name))


def _fits(word: str, hay: set[str]) -> bool:
    """A typed word matches a word of the name, allowing a plural "s" either way."""
    return any(word == h or word.rstrip("s") == h.rstrip("s") for h in hay)


def _exact(typed: str, entities: list[EntityRef]) -> list[EntityRef]:
    said = " ".join(_words(typed))
    return [
        e
        for e in entities
        if typed == e.entity_id
        or said == " ".join(_words(e.name))
        or said == " ".join(_words(e.entity_id.partition(".")[2]))
    ]


def candidates(found: HaMatch, inv: Inventory) -> list[EntityRef]:
    """The entities the request may mean, best first (exact names before word matches)."""
    typed = found.what or ""
    allowed = _DOMAINS.get(found.intent)
    measure = found.opts.get("measure")
    if measure is not None:
        allowed = ("sensor",)
    pool = [e for e in inv.entities if allowed is None or e.entity_id.split(".")[0] in allowed]
    words = [w for w in _words(typed) if w not in _FILLER]
    if measure is not None:
        pool = [e for e in pool if e.device_class == measure or measure in _hay(e)]
    exact = _exact(typed, pool)
    if exact:
        return exact
    # A device word ("light") narrows to its domains when any entity is of them; otherwise
    # it is just a word of the name ("garage" in "garage temperature").
    devices = {d for w in words for d in DEVICE_WORDS.get(w, ())}
    narrowed = [e for e in pool if e.entity_id.split(".")[0] in devices]
    if narrowed:
        pool = narrowed
        words = [w for w in words if w not in DEVICE_WORDS]
    return [e for e in pool if all(_fits(w, _hay(e)) for w in words)]


def wanted(found: HaMatch, inv: Inventory) -> bool:
    """True when the clause is about the house rather than a container of the same words."""
    if found.says_device:
        return True
    if not inv.entities or found.what is None:
        return False
    from_names = [n for n in inv.names() if n.lower() == found.what.lower()]
    return not from_names and bool(candidates(found, inv))


def settle(found: HaMatch, inv: Inventory) -> Clarify | None:
    """Fill in the entity in `found.opts`; or the question to ask first."""
    if found.intent == "ha_list":
        return _not_ready(inv)
    asked = _not_ready(inv)
    if asked is not None:
        return asked
    fits = candidates(found, inv)
    typed = found.what or "?"
    if len(fits) == 1:
        found.opts["entity_id"] = fits[0].entity_id
        found.opts["integration"] = fits[0].integration
        return None
    retry = _retry(found)
    if fits:
        shown = fits[:6]
        options = [e.entity_id for e in shown]
        listed = _choices([f"{token(e.name)} ({e.entity_id})" for e in shown])
        return Clarify(
            question=f"Which one do you mean: {listed}?",
            options=options,
            retry=retry,
        )
    return Clarify(
        question=f"No Home Assistant entity matches {token(typed)}. {_some(found, inv)}",
        retry=retry,
    )


def _retry(found: HaMatch) -> str | None:
    """The request again with `{choice}` for the entity."""
    if found.intent == "ha_brightness":
        return f"set {CHOICE} to {found.opts['brightness_pct']} percent"
    if found.intent == "ha_temperature":
        return f"set {CHOICE} to {found.opts['temperature']:g} degrees"
    return _RETRY.get(found.intent)


def _not_ready(inv: Inventory) -> Clarify | None:
    if inv.ha_status is None:
        return Clarify(question=f"No Home Assistant is configured; add it with {ADD_HA}.")
    if inv.ha_status != "ok" and not inv.entities:
        return Clarify(question=f"Home Assistant's entities could not be read: {inv.ha_status}")
    return None


def _some(found: HaMatch, inv: Inventory) -> str:
    allowed = _DOMAINS.get(found.intent, ("sensor",))
    devices = {d for w in _words(found.what or "") for d in DEVICE_WORDS.get(w, ())}
    allowed = tuple(devices & set(allowed)) or allowed
    measure = found.opts.get("measure")
    same = [
        e
        for e in inv.entities
        if e.entity_id.split(".")[0] in allowed and measure in (None, e.device_class)
    ][:8]
    if not same:
        return "There are none of that kind."
    return (
        "Some that could be meant: "
        + _choices([f"{token(e.name)} ({e.entity_id})" for e in same])
        + "."
    )


def _choices(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _integration(opts: dict[str, Any], inv: Inventory) -> dict[str, Any]:
    several = len({e.integration for e in inv.entities}) > 1
    return {"integration": opts["integration"]} if several and opts.get("integration") else {}


def calls_for(found: HaMatch, inv: Inventory) -> list[PlannedCall]:
    """The call a settled house request makes."""
    if found.intent == "ha_list":
        domain = found.opts.get("domain")
        return [PlannedCall(tool="ha.list_entities", args={"domain": domain} if domain else {})]
    entity_id = str(found.opts["entity_id"])
    target = _integration(found.opts, inv)
    if found.intent == "ha_read":
        return [PlannedCall(tool="ha.get_entity", args={"entity_id": entity_id, **target})]
    domain = entity_id.partition(".")[0]
    service = _SERVICE[found.intent]
    args: dict[str, Any] = {"domain": domain, "service": service, "entity_id": entity_id}
    for key in ("brightness_pct", "temperature"):
        if key in found.opts:
            args[key] = found.opts[key]
    tool = "ha.call_security_service" if domain in SECURITY else "ha.call_service"
    return [PlannedCall(tool=tool, args={**args, **target})]
