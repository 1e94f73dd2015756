"""Replies about Sunshine: the apps, the paired Moonlight clients, a pairing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.router.format import inline
from agent.router.types import PlannedCall

Data = dict[str, Any]
SHOWN = 20
GERUNDS = {
    "sunshine.apps": "listing the Sunshine apps",
    "sunshine.clients": "listing the paired Moonlight clients",
    "sunshine.pair": "pairing a Moonlight client with Sunshine",
}


def describe(call: PlannedCall) -> str | None:
    """What a Sunshine call does, as a gerund phrase; None for other tools."""
    return GERUNDS.get(call.tool)


def _names(data: Data, key: str) -> list[str]:
    rows = [r for r in data.get(key) or [] if isinstance(r, Mapping)]
    return [inline(r.get("name") or "?", 80) for r in rows]


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def apps(args: Data, data: Data) -> str:
    """sunshine.apps: the apps by name."""
    names = _names(data, "apps")
    return f"Sunshine offers {len(names)} app{'' if len(names) == 1 else 's'}: {_listing(names)}."


def clients(args: Data, data: Data) -> str:
    """sunshine.clients: the paired clients by name."""
    names = _names(data, "clients")
    count = f"{len(names)} Moonlight client{'' if len(names) == 1 else 's'}"
    return f"{count} paired with Sunshine: {_listing(names)}."


def paired(args: Data, data: Data) -> str:
    """sunshine.pair: the client that is paired now."""
    return f"Paired: {inline(data.get('name') or 'Moonlight', 80)} can now stream from Sunshine."


SUMMARIES = {"sunshine.apps": apps, "sunshine.clients": clients, "sunshine.pair": paired}
EMPTY = {
    "sunshine.apps": lambda a, d: "Sunshine has no apps configured.",
    "sunshine.clients": lambda a, d: "No Moonlight client is paired with Sunshine.",
}
