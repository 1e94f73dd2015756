"""The explicit list of tool families Jarvis ships; adding a family means adding it here.

Each tool-name prefix loads its own modules, so a caller that runs one tool (`jarvis tools
call`) imports one family instead of every client library the others need.
"""

from __future__ import annotations

from collections.abc import Callable

from tools.registry import Registry, ToolFamily


def _docker() -> tuple[ToolFamily, ...]:
    from tools import docker

    return (docker.family,)


def _files() -> tuple[ToolFamily, ...]:
    from tools import files

    return (files.family,)


def _system() -> tuple[ToolFamily, ...]:
    from tools import system

    return (system.family,)


def _ssl() -> tuple[ToolFamily, ...]:
    from tools import ssl

    return (ssl.family,)


def _domains() -> tuple[ToolFamily, ...]:
    from tools import domains

    return (domains.family,)


def _caddy() -> tuple[ToolFamily, ...]:
    from tools.caddy import check, reconcile, tools

    return (tools.family, reconcile.family, check.family)


def _hosts() -> tuple[ToolFamily, ...]:
    from tools.hosts import tools

    return (tools.family,)


def _findings() -> tuple[ToolFamily, ...]:
    from tools import watch

    return (watch.findings_family,)


def _runs() -> tuple[ToolFamily, ...]:
    from tools import watch

    return (watch.runs_family,)


def _checks() -> tuple[ToolFamily, ...]:
    from tools import watch

    return (watch.checks_family,)


def _db() -> tuple[ToolFamily, ...]:
    from tools import db
    from tools.db import deploy

    return (db.family, deploy.family)


def _plex() -> tuple[ToolFamily, ...]:
    from tools.plex import tools

    return (tools.family,)


def _n8n() -> tuple[ToolFamily, ...]:
    # actions.py adds the changes to the family tools.py defines.
    from tools.n8n import actions

    return (actions.family,)


def _sunshine() -> tuple[ToolFamily, ...]:
    from tools.sunshine import tools

    return (tools.family,)


def _ha() -> tuple[ToolFamily, ...]:
    from tools import homeassistant

    return (homeassistant.family,)


def _google() -> tuple[ToolFamily, ...]:
    from tools.google import tools

    return (tools.family,)


def _stacks() -> tuple[ToolFamily, ...]:
    from tools import stacks

    return (stacks.family,)


# Tool-name prefix -> the families registered under it.
FAMILIES: dict[str, Callable[[], tuple[ToolFamily, ...]]] = {
    "docker": _docker,
    "files": _files,
    "system": _system,
    "ssl": _ssl,
    "domains": _domains,
    "caddy": _caddy,
    "hosts": _hosts,
    "findings": _findings,
    "runs": _runs,
    "checks": _checks,
    "db": _db,
    "google": _google,
    "plex": _plex,
    "n8n": _n8n,
    "sunshine": _sunshine,
    "ha": _ha,
    "stacks": _stacks,
}


def build_registry() -> Registry:
    """A registry holding every shipped tool."""
    return Registry(family for load in FAMILIES.values() for family in load())


def registry_for(tool: str) -> Registry:
    """A registry holding the family of `tool` (every tool when no family of its prefix has it).

    An unknown name gets the full registry, so the error names close matches from all tools.
    """
    load = FAMILIES.get(tool.partition(".")[0])
    if load is not None:
        registry = Registry(load())
        if tool in registry:
            return registry
    return build_registry()
