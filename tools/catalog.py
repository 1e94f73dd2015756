"""The explicit list of tool families Jarvis ships; adding a family means adding it here."""

from __future__ import annotations

from tools import docker, system
from tools.registry import Registry, ToolFamily

FAMILIES: tuple[ToolFamily, ...] = (docker.family, system.family)


def build_registry() -> Registry:
    """A registry holding every shipped tool."""
    return Registry(FAMILIES)
