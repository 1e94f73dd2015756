"""Tracks which values reached a run from untrusted output, to escalate writes that use them.

A value is trusted only when the person typed it (as a whole word of their message) or the
policy names it; tool output never vouches for a value, however trusted the tool.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MIN_LEN = 3  # shorter values ("on", "1") are too common to attribute
# A typed value stands alone: not glued to letters, digits, dots, dashes or underscores, so
# "plex" is not vouched for by "restart plex-db" and "evil.example" not by "evil.example.net".
_EDGE = r"[\w.-]"


def strings(value: Any) -> Iterable[str]:
    """Every string inside a JSON-like value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings(v)


def _typed(needle: str, text: str) -> bool:
    return re.search(rf"(?<!{_EDGE}){re.escape(needle)}(?!{_EDGE})", text) is not None


class Provenance:
    """Texts the run saw: what the person typed (trusted) and tool output (untrusted)."""

    def __init__(self) -> None:
        self._typed: list[str] = []
        self._untrusted: list[str] = []

    def add_typed(self, value: Any) -> None:
        """Record text the person typed."""
        self._typed.extend(s.lower() for s in strings(value))

    def add_untrusted(self, value: Any) -> None:
        """Record output of a tool that carries text someone else controls."""
        self._untrusted.extend(s.lower() for s in strings(value))

    def untrusted_only(
        self, args: Mapping[str, Any], named: frozenset[str] = frozenset()
    ) -> list[str]:
        """Argument values seen in untrusted output, neither typed nor named by the policy."""
        flagged: list[str] = []
        for value in strings(args):
            needle = value.lower()
            if len(needle) < MIN_LEN or needle in named:
                continue
            if any(_typed(needle, text) for text in self._typed):
                continue
            if any(needle in text for text in self._untrusted):
                flagged.append(value)
        return flagged
