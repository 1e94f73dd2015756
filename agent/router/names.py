"""Container names as people type them, resolved against the live inventory only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from agent.router.types import Inventory

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$")
_SEPARATORS = re.compile(r"[\s_.-]+")
# Words that mean "more than one container": never a name, never all of them at once.
QUANTIFIERS = frozenset(
    {"all", "every", "everything", "each", "any", "everyone", "anything", "containers"}
)
PRONOUNS = frozenset({"it", "its", "that", "this", "that one", "this one", "the same", "same"})
PLURAL_PRONOUNS = frozenset(
    {"them", "those", "both", "both of them", "these", "them both", "their"}
)


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving a typed name: one container, several close ones, or none."""

    typed: str
    name: str | None = None
    candidates: list[str] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        """Several containers fit about equally well."""
        return self.name is None and bool(self.candidates)


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text.lower())


def _tokens(name: str) -> list[str]:
    return [t for t in _SEPARATORS.split(name.lower()) if t]


def _allowed_edits(typed: str) -> int:
    """How many typos a name of this length may carry and still be recognised."""
    size = len(_compact(typed))
    if size < 3:
        return 0
    return 1 if size <= 5 else 2 if size <= 10 else 3


def is_quantifier(typed: str) -> bool:
    """True for "all", "everything", "every container" and the like."""
    return any(word in QUANTIFIERS for word in typed.lower().split())


def resolve(typed: str, inventory: Inventory) -> Resolution:
    """The container `typed` means: exact wins, then a unique close match, else candidates."""
    names = inventory.names()
    lowered, compact = typed.lower().strip(), _compact(typed)
    exact = [n for n in names if n.lower() == lowered]
    if len(exact) == 1:
        return Resolution(typed, exact[0])
    same = [n for n in names if _compact(n) == compact]
    if len(same) == 1:
        return Resolution(typed, same[0])
    if len(same) > 1:
        return Resolution(typed, None, sorted(same))
    service = [c.name for c in inventory.containers if c.service and c.service.lower() == lowered]
    if len(service) == 1:
        return Resolution(typed, service[0])
    allowed = _allowed_edits(typed)
    scored = sorted((OSA.distance(compact, _compact(n)), n) for n in names)
    close = [n for d, n in scored if d <= allowed]
    # A name that only shares a part ("plex" in "plex-db") is a candidate, never a match.
    partial = [
        n
        for n in names
        if n not in close
        and len(_tokens(n)) > 1
        and any(OSA.distance(lowered, t) <= allowed for t in _tokens(n))
    ]
    partial += [n for n in service if n not in close and n not in partial]
    if len(close) == 1 and not partial:
        return Resolution(typed, close[0])
    if close or partial:
        return Resolution(typed, None, (close + sorted(partial))[:5])
    return Resolution(typed, None, [])


def suggestions(typed: str, inventory: Inventory, limit: int = 3) -> list[str]:
    """Names that look a bit like `typed`, best first (for "no container called X")."""
    found = process.extract(
        typed.lower(), inventory.names(), scorer=fuzz.WRatio, limit=limit, score_cutoff=60
    )
    return [str(name) for name, _score, _index in found]
