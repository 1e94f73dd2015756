"""Phrasings about the house (Home Assistant): switch things, read sensors, list devices.

Each pattern matches a whole clause. What it names ("the kitchen light") is taken as typed
here and resolved against the live entity list in `ha_targets`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agent.router.text import clauses, core, normalize

# Words that name a kind of device -> the entity domains they may mean.
DEVICE_WORDS: dict[str, tuple[str, ...]] = {
    "light": ("light",),
    "lights": ("light",),
    "lamp": ("light",),
    "lamps": ("light",),
    "bulb": ("light",),
    "switch": ("switch",),
    "plug": ("switch",),
    "outlet": ("switch",),
    "socket": ("switch",),
    "fan": ("fan",),
    "lock": ("lock",),
    "door": ("lock", "cover"),
    "scene": ("scene",),
    "thermostat": ("climate",),
    "heating": ("climate",),
    "heater": ("climate", "switch"),
    "ac": ("climate",),
    "blinds": ("cover",),
    "blind": ("cover",),
    "shades": ("cover",),
    "curtains": ("cover",),
    "shutters": ("cover",),
    "garage": ("cover",),
    "sensor": ("sensor",),
}
# Measurements a sensor reports -> its device class.
MEASURES = {
    "temperature": "temperature",
    "temp": "temperature",
    "humidity": "humidity",
    "power": "power",
    "energy": "energy",
    "battery": "battery",
    "pressure": "pressure",
}
_HOW = {"warm": "temperature", "hot": "temperature", "cold": "temperature", "humid": "humidity"}
_W = r"(?P<what>[a-z0-9][a-z0-9_. -]{0,79}?)"
_ART = r"(?:the |my |our |all the )?"
_MEASURE = r"(?P<measure>" + "|".join(MEASURES) + ")"
_LIST_WORDS = (
    r"(?P<kind>lights|lamps|switches|sensors|entities|devices|locks|scenes|thermostats|"
    r"home assistant entities|home assistant devices|smart home devices)"
)

_TABLE: list[tuple[str, str]] = [
    # Switching: "turn on the kitchen light", "switch the fan off", "toggle the coffee maker".
    ("turn_on", rf"(?:turn|switch|power|put) on {_ART}{_W}"),
    ("turn_off", rf"(?:turn|switch|power|shut) off {_ART}{_W}"),
    ("turn_on", rf"(?:turn|switch|power) {_ART}{_W} on"),
    ("turn_off", rf"(?:turn|switch|power|shut) {_ART}{_W} off"),
    ("toggle", rf"(?:toggle|flip) {_ART}{_W}"),
    ("lock", rf"lock {_ART}{_W}"),
    ("unlock", rf"unlock {_ART}{_W}"),
    ("scene", rf"(?:activate|trigger|run|start|set|enable) {_ART}{_W} scene"),
    ("scene", rf"(?:activate|trigger|run|start|enable) (?:the )?scene {_W}"),
    ("open_cover", rf"(?:open|raise) {_ART}{_W}"),
    ("close_cover", rf"(?:close|lower) {_ART}{_W}"),
    ("brightness", rf"(?:dim|brighten|set) {_ART}{_W} to (?P<pct>\d{{1,3}})(?: percent| pct)?"),
    (
        "temperature",
        rf"set {_ART}{_W} to (?P<temp>\d{{1,2}}(?:\.\d)?) ?(?:degrees|deg|celsius|c)"
        r"(?: celsius)?",
    ),
    # Reading: "what is the living room temperature", "how warm is the bedroom".
    ("read", rf"(?:what is|whats|show|tell me|get|read) {_ART}{_W} {_MEASURE}"),
    (
        "read",
        rf"(?:what is|whats|show|tell me|get|read) {_ART}{_MEASURE} (?:in|of|at|inside) {_ART}{_W}",
    ),
    ("read", rf"{_ART}{_W} {_MEASURE}"),
    ("read", rf"how (?P<how>warm|hot|cold|humid) is (?:it )?(?:in )?{_ART}{_W}"),
    ("read", rf"(?:is|are) {_ART}{_W} (?P<state>on|off|locked|unlocked|open|closed)"),
    ("read", rf"(?:what is )?{_ART}(?:state|status) of {_ART}{_W}"),
    # Listing: "show my lights", "list home assistant entities".
    ("list", rf"(?:show|list|get|what are)(?: me)? {_ART}{_LIST_WORDS}"),
    ("list", rf"(?:what|which) {_LIST_WORDS} (?:are on|are there|do i have|do we have)"),
]
RULES = [(intent, re.compile(pattern)) for intent, pattern in _TABLE]
HA_INTENTS = frozenset(f"ha_{intent}" for intent, _ in _TABLE)
_LIST_DOMAINS = {
    "lights": "light",
    "lamps": "light",
    "switches": "switch",
    "sensors": "sensor",
    "locks": "lock",
    "scenes": "scene",
    "thermostats": "climate",
}
# Verbs only a house understands: no container is ever locked, toggled or dimmed.
_HOUSE_ONLY = frozenset(
    {"ha_toggle", "ha_lock", "ha_unlock", "ha_scene", "ha_brightness", "ha_temperature", "ha_list"}
)


@dataclass
class HaMatch:
    """A recognised house request, the thing named as typed."""

    intent: str
    what: str | None
    opts: dict[str, Any] = field(default_factory=dict)

    @property
    def says_device(self) -> bool:
        """True when the words alone make it about the house (a device word, a measurement)."""
        if self.intent in _HOUSE_ONLY or "measure" in self.opts:
            return True
        words = (self.what or "").split()
        return any(w in DEVICE_WORDS for w in words) or any("." in w for w in words)


def match(text: str) -> HaMatch | None:
    """The house request a whole clause makes, if any."""
    for intent, pattern in RULES:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        groups = {k: v for k, v in m.groupdict().items() if v is not None}
        opts: dict[str, Any] = {}
        if "measure" in groups:
            opts["measure"] = MEASURES[groups["measure"]]
        if "how" in groups:
            opts["measure"] = _HOW[groups["how"]]
        if "pct" in groups:
            if int(groups["pct"]) > 100:
                continue
            opts["brightness_pct"] = int(groups["pct"])
        if "temp" in groups:
            opts["temperature"] = float(groups["temp"])
        if "kind" in groups:
            domain = _LIST_DOMAINS.get(groups["kind"])
            if domain:
                opts["domain"] = domain
        what = groups.get("what")
        return HaMatch(f"ha_{intent}", what.strip() if what else None, opts)
    return None


def wants_entities(text: str) -> bool:
    """True when a clause of `text` is plainly about the house (so its entities are worth
    reading before routing)."""
    normalized, _ = normalize(text)
    for part in clauses(normalized):
        found = match(core(part))
        if found is not None and found.says_device:
            return True
    return False
