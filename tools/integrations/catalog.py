"""The kinds of integration Jarvis knows; adding a kind means one module and one line here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.errors import BadInput
from tools.integrations.kinds import Kind


def _homeassistant() -> Kind[Any]:
    # Imported on use: each kind loads only its own client code.
    from tools.homeassistant.kind import KIND

    return KIND


def _plex() -> Kind[Any]:
    from tools.plex.kind import KIND

    return KIND


def _n8n() -> Kind[Any]:
    from tools.n8n.kind import KIND

    return KIND


def _sunshine() -> Kind[Any]:
    from tools.sunshine.kind import KIND

    return KIND


def _google() -> Kind[Any]:
    from tools.google.kind import KIND

    return KIND


# Kind name -> its loader.
KINDS: dict[str, Callable[[], Kind[Any]]] = {
    "google": _google,
    "homeassistant": _homeassistant,
    "plex": _plex,
    "n8n": _n8n,
    "sunshine": _sunshine,
}


def names() -> list[str]:
    """Every kind name, sorted."""
    return sorted(KINDS)


def kind(name: str) -> Kind[Any]:
    """The kind called `name`, or BadInput naming the known ones."""
    load = KINDS.get(name)
    if load is None:
        raise BadInput(f"unknown integration kind {name!r}; known: {', '.join(names())}")
    return load()
