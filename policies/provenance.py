"""Tracks which values reached a run from untrusted output, to escalate writes that use them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MIN_LEN = 3  # shorter values ("on", "1") are too common to attribute


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


class Provenance:
    """Texts the run saw, split into trusted (user, policy, trusted tools) and untrusted."""

    def __init__(self) -> None:
        self._trusted: list[str] = []
        self._untrusted: list[str] = []

    def add_trusted(self, value: Any) -> None:
        """Record text typed by the user or produced by a trusted tool."""
        self._trusted.extend(s.lower() for s in _strings(value))

    def add_untrusted(self, value: Any) -> None:
        """Record output of an untrusted tool (logs, web pages, DNS TXT, entity names)."""
        self._untrusted.extend(s.lower() for s in _strings(value))

    def untrusted_only(self, args: Mapping[str, Any]) -> list[str]:
        """Argument values that appear in untrusted output and in no trusted source."""
        flagged: list[str] = []
        for value in _strings(args):
            needle = value.lower()
            if len(needle) < MIN_LEN:
                continue
            if any(needle in text for text in self._trusted):
                continue
            if any(needle in text for text in self._untrusted):
                flagged.append(value)
        return flagged
