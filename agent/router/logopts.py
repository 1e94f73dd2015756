"""The options of a log request: how many lines, since when, and which lines."""

from __future__ import annotations

import re
from typing import Any

from agent.router.text import NUM, number, unquote

# Lines that look like trouble, for "errors in plex logs" (a regular expression, any case).
ERRORS = "error|exception|fatal|panic|critical|fail|traceback"
WARNINGS = "warn"
MAX_TAIL = 5000

LOG_WORD = re.compile(
    r"\b(?:logs?|logfile|output|tail|errors?|exceptions?|warnings?|grep|crash(?:es)?|"
    r"failures?)\b"
)
_UNITS = {"s": "s", "sec": "s", "m": "m", "min": "m", "h": "h", "hr": "h", "d": "d", "w": "w"}
_UNIT = r"(?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)"
_SINCE = [
    re.compile(
        r"(?:(?:in|from|over|during|for|within) )?(?:the )?(?:last|past|previous) "
        rf"(?:(?P<n>{NUM}) )?{_UNIT}"
    ),
    re.compile(rf"since (?P<n>{NUM}) {_UNIT} ago"),
    re.compile(rf"(?:from )?(?P<n>{NUM}) {_UNIT} ago"),
]
_TAIL = [
    re.compile(
        r"(?:the )?(?:(?:last|latest|newest|recent|final|most recent|past|previous) )?"
        rf"(?P<n>{NUM}) (?:log )?(?:lines?|entries|messages|rows)(?: (?:of|from|in))?"
    ),
    re.compile(r"(?:the )?(?:last|latest|tail|tail -n|-n) (?P<n>\d{1,6})(?= )"),
]
_GREP = [
    re.compile(
        r"(?:lines |entries )?(?:containing|matching|mentioning|that mention|that contain|"
        r"with the (?:word|text|string)|about|with) (?P<g>\"\d+\")"
    ),
    re.compile(
        r"(?:lines |entries )?(?:containing|matching|mentioning|that mention|that contain|"
        r"with the (?:word|text|string)) (?P<g>[\w.:/@-]+)"
    ),
    re.compile(
        r"^(?:grep|search|look|find|scan)(?: for)? (?P<g>\"\d+\"|[\w.:/@-]+) "
        r"(?:in|from|on|through) "
    ),
    re.compile(r"^(?P<lead>(?:grep|search|scan|check|look through) .+? logs?) for (?P<g>\S+)$"),
    re.compile(r"(?:for )?(?P<g>\"\d+\")"),
]
_ERROR_PHRASE = re.compile(
    r"(?:(?:with|containing|that have|having|showing|only|just) )?(?:any |the |only |recent )?"
    r"(?P<kind>errors?|error lines|error messages|exceptions?|fatal errors|failures|crash(?:es)?|"
    r"warnings?)(?: (?:in|from|of|on|for))?"
)


def _since(n: str | None, unit: str) -> str:
    key = unit.rstrip("s") if len(unit) > 1 else unit
    letter = _UNITS.get(key, key[0])
    count = number(n, 1)
    if letter == "w":
        return f"{count * 7}d"
    return f"{max(count, 1)}{letter}"


def _cut(text: str, match: re.Match[str], keep: str = "") -> str:
    return " ".join(f"{text[: match.start()]} {keep} {text[match.end() :]}".split())


def extract(clause: str, quoted: list[str]) -> tuple[str, dict[str, Any], bool]:
    """The clause without its log options, the options, and whether an error word was cut.

    Options use the names of docker.container_logs' arguments (tail, since, grep, regex).
    """
    opts: dict[str, Any] = {}
    text = clause
    for pattern in _SINCE:
        if m := pattern.search(text):
            opts["since"] = _since(m.group("n"), m.group("unit"))
            text = _cut(text, m)
            break
    for pattern in _TAIL:
        if m := pattern.search(text):
            opts["tail"] = min(max(number(m.group("n"), 100), 1), MAX_TAIL)
            text = _cut(text, m)
            break
    for pattern in _GREP:
        if m := pattern.search(text):
            opts["grep"] = unquote(m.group("g"), quoted).strip('"')[:200]
            keep = m.groupdict().get("lead") or ""
            text = _cut(text, m, keep)
            break
    errors = False
    if "grep" not in opts and (m := _ERROR_PHRASE.search(text)):
        warn = m.group("kind").startswith("warn")
        opts["grep"] = WARNINGS if warn else ERRORS
        if not warn:
            opts["regex"] = True
        text = _cut(text, m)
        errors = True
    if opts.get("grep") == "":
        opts.pop("grep")
    return text, opts, errors
