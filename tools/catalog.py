"""The explicit list of tool families Jarvis ships; adding a family means adding it here."""

from __future__ import annotations

from tools import docker, domains, files, ssl, system, watch
from tools.caddy import check as caddy_check
from tools.caddy import reconcile as caddy_reconcile
from tools.caddy import tools as caddy
from tools.registry import Registry, ToolFamily

FAMILIES: tuple[ToolFamily, ...] = (
    docker.family,
    files.family,
    system.family,
    ssl.family,
    domains.family,
    caddy.family,
    caddy_reconcile.family,
    caddy_check.family,
    watch.findings_family,
    watch.runs_family,
    watch.checks_family,
)


def build_registry() -> Registry:
    """A registry holding every shipped tool."""
    return Registry(FAMILIES)
