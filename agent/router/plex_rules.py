"""Plex requests: what is playing, the libraries, what is new, and a library scan.

"restart plex" and "logs of plex" stay container requests: these phrasings name Plex's own
things (playing, streams, libraries, recently added) in so many words.
"""

from __future__ import annotations

from typing import Any

from agent.router.phrases import SHOW, RuleTable, compile_rules
from agent.router.types import PlannedCall

_ON = r"(?: (?:on|in|from|with|through|via) (?:the |my |our )?plex(?: server)?)"
_TABLE: RuleTable = [
    (
        "plex_playing",
        "none",
        r"(?:what is|whats|what are|is anything|is anyone|is somebody|is someone|anything|who is|"
        r"whos|who are) (?:currently |now |being )?(?:playing|streaming|watching|on|watched|"
        r"streamed|playing right now|streaming right now)" + _ON + r"(?: right now| now)?",
    ),
    (
        "plex_playing",
        "none",
        r"(?:what is|whats) (?:everyone|everybody|anyone|somebody|someone) watching" + _ON,
    ),
    (
        "plex_playing",
        "none",
        SHOW + r"(?:plex )?(?:now playing|sessions|streams|active streams|active sessions|"
        r"current streams|who is watching|playback)" + _ON + r"?",
    ),
    ("plex_playing", "none", r"plex (?:now playing|sessions|streams|activity)"),
    (
        "plex_playing",
        "none",
        r"(?:who is|whos|who are|is anyone|is anybody|is someone|is somebody|anyone|anybody) "
        r"(?:watching|streaming from|streaming|using|on) (?:the |my )?plex(?: right now| now)?",
    ),
    (
        "plex_libraries",
        "none",
        SHOW + r"(?:plex )?(?:libraries|library sections|media libraries|library)" + _ON + r"?",
    ),
    (
        "plex_recent",
        "none",
        SHOW + r"(?:the )?(?:recently added|newly added|new|latest|newest|last added)"
        r"(?: (?:movies|shows|episodes|media|items|stuff|things))?" + _ON,
    ),
    (
        "plex_recent",
        "none",
        r"(?:what is|whats|what was|anything) (?:new|recently added|added recently|added lately|"
        r"added)" + _ON + r"(?: lately| recently| today| this week)?",
    ),
    (
        "plex_refresh",
        "none",
        r"(?:refresh|rescan|re scan|scan|update) (?:the )?plex (?:library|section) "
        r"(?P<section>[a-z0-9][a-z0-9 ]{0,39}?)",
    ),
    (
        "plex_refresh",
        "none",
        r"(?:refresh|rescan|re scan|scan|update) (?:the |my )?plex (?P<section>[a-z0-9][a-z0-9 ]"
        r"{0,39}?) (?:library|section)",
    ),
]
RULES = compile_rules(_TABLE)
INTENTS = frozenset(r.intent for r in RULES)


def options(intent: str, groups: dict[str, str | None]) -> dict[str, Any]:
    """The arguments a matched phrasing implies."""
    if intent == "plex_refresh" and groups.get("section"):
        return {"section": groups["section"]}
    return {}


def calls_for(intent: str, opts: dict[str, Any]) -> list[PlannedCall]:
    """The call one Plex request makes."""
    tool = {
        "plex_playing": "plex.now_playing",
        "plex_libraries": "plex.libraries",
        "plex_recent": "plex.recently_added",
        "plex_refresh": "plex.refresh_library",
    }[intent]
    return [PlannedCall(tool=tool, args=dict(opts))]
