"""Sunshine and Moonlight requests: pair a client with its PIN, the apps, the paired clients."""

from __future__ import annotations

import re
from typing import Any

from agent.router.format import inline
from agent.router.phrases import SHOW, RuleTable, compile_rules
from agent.router.types import Clarify, PlannedCall

_CLIENT = (
    r"(?:(?:my |the |a |our )?(?:new )?(?:moonlight|sunshine|streaming|game streaming)"
    r"(?: client| app| device)?|(?:my |the |a )?(?:steam deck|shield|tv|phone|tablet|laptop))"
)
_TO = r"(?: (?:with|to|on) (?:sunshine|the gaming pc|my gaming pc|the game host))?"
_PIN = r"(?:(?:with |using |by )?(?:the )?(?:pin|code|pin code)(?: number| is)? ?(?P<pin>\S+))"
_TABLE: RuleTable = [
    ("sunshine_pair", "none", r"pair " + _CLIENT + _TO + r",? " + _PIN),
    ("sunshine_pair", "none", r"pair " + _CLIENT + _TO),  # no PIN yet: asked for
    ("sunshine_pair", "none", r"(?:moonlight|sunshine) (?:pairing )?(?:pin|code) (?P<pin>\S+)"),
    (
        "sunshine_pair",
        "none",
        r"(?:enter|send|submit|use|type in|put in) (?:the )?(?:moonlight |sunshine |pairing )*"
        r"(?:pin|code|pin code) (?P<pin>\S+)(?: (?:in|into|to|for) (?:sunshine|moonlight))?",
    ),
    (
        "sunshine_apps",
        "none",
        SHOW + r"(?:the )?(?:sunshine|moonlight|streaming|game streaming) (?:apps|applications|"
        r"games)",
    ),
    (
        "sunshine_apps",
        "none",
        r"(?:what|which) (?:apps|applications|games) (?:can i stream|are on sunshine|does "
        r"sunshine have|can moonlight start)",
    ),
    (
        "sunshine_clients",
        "none",
        SHOW + r"(?:the )?(?:paired |connected )?(?:moonlight|sunshine|streaming) (?:clients|"
        r"devices)",
    ),
    (
        "sunshine_clients",
        "none",
        r"(?:what|which) (?:clients|devices) are (?:paired|connected)(?: (?:with|to) "
        r"(?:sunshine|moonlight))?",
    ),
]
RULES = compile_rules(_TABLE)
INTENTS = frozenset(r.intent for r in RULES)
# What Moonlight shows while it waits to pair (sunshine.pair checks the same).
PIN = re.compile(r"[0-9]{4}")
RETRY = "pair my moonlight client with pin {choice}"


def settle(intent: str, opts: dict[str, Any]) -> Clarify | None:
    """A pairing without the 4 digits Moonlight shows: asked for in words, nothing sent."""
    pin = opts.get("pin")
    if intent != "sunshine_pair" or (isinstance(pin, str) and PIN.fullmatch(pin)):
        return None
    said = f"{inline(pin, 12)} is not a PIN Moonlight shows: " if pin else ""
    how = "it" if pin else "Moonlight"
    return Clarify(
        question=f"{said}{how} shows a 4-digit PIN while it waits to pair (start pairing in "
        "Moonlight on the device first). Which 4 digits does it show?",
        retry=RETRY,
    )


def options(intent: str, groups: dict[str, str | None]) -> dict[str, Any]:
    """The arguments a matched phrasing implies (the PIN as said; the tool checks it)."""
    if intent == "sunshine_pair" and groups.get("pin"):
        return {"pin": str(groups["pin"]).strip(".,;:!?")}
    return {}


def calls_for(intent: str, opts: dict[str, Any]) -> list[PlannedCall]:
    """The call one Sunshine request makes."""
    tool = {
        "sunshine_pair": "sunshine.pair",
        "sunshine_apps": "sunshine.apps",
        "sunshine_clients": "sunshine.clients",
    }[intent]
    return [PlannedCall(tool=tool, args=dict(opts))]
