"""Small formatting helpers for replies: sizes, durations, and text that stays data."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

# A single token of these characters cannot read as a sentence, so it may stand unquoted.
_SAFE = re.compile(r"^[A-Za-z0-9/][A-Za-z0-9_.:/@+-]{0,127}$")
_BACKTICKS = re.compile(r"`+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_LINE = 300


def percent(value: float | int | None) -> str:
    """A percentage with a decimal only where it matters."""
    v = float(value or 0)
    return f"{v:.0f}%" if v >= 10 or v == 0 else f"{v:.1f}%"


def when(value: object) -> str:
    """An ISO time as "2026-11-24 08:00 UTC" (or as given if it is not one)."""
    text = str(value or "")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return inline(text)
    zone = moment.tzname() or ""
    return moment.strftime("%Y-%m-%d %H:%M") + (f" {zone}" if zone in ("UTC", "") else "")


def clean(text: object, limit: int = MAX_LINE) -> str:
    """One line of someone else's text: control characters and backticks neutralised."""
    line = _CONTROL.sub(" ", str(text)).replace("\n", " ").replace("\r", " ")
    line = _BACKTICKS.sub("'", line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def inline(text: object, limit: int = MAX_LINE) -> str:
    """Someone else's text as inline code, so it reads as data."""
    return f"`{clean(text, limit) or ' '}`"


def token(text: object) -> str:
    """A name: plain when it is one harmless token, else inline code."""
    value = str(text)
    return value if _SAFE.match(value) else inline(value, 120)


def names(values: Iterable[object], limit: int = 12) -> str:
    """A comma-separated list of names, shortened with a count of the rest."""
    items = [token(v) for v in values]
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def code_block(lines: Iterable[object]) -> str:
    """Lines in a fenced block whose fence no line can close."""
    body = [_CONTROL.sub(" ", str(x)).replace("\r", "")[:MAX_LINE] for x in lines]
    longest = max((len(m) for x in body for m in re.findall(r"`+", x)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([f"{fence}text", *body, fence])
