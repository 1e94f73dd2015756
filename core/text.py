"""Long messages made short for people: the first sentence, whole words."""

from __future__ import annotations

import re

_END = re.compile(r"(?<=[.!?;])\s+|\s+\(")


def headline(text: str, limit: int = 160) -> str:
    """The first sentence of `text` (before a '.', ';' or a parenthesis), cut at a word."""
    first = _END.split(text.strip(), maxsplit=1)[0].rstrip(" .;:,")
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(" .;:,") + " …"
