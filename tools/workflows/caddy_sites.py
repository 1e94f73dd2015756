"""The managed sites Caddy serves now, and the config with one site added or removed."""

from __future__ import annotations

from typing import Any

from tools.caddy.desired import ManagedSite, build_desired, is_managed, route_id
from tools.workflows.domain_env import DomainEnv


def live_sites(config: Any) -> dict[str, ManagedSite]:
    """The sites of Jarvis's routes in a config, by name (routes of other shapes skipped)."""
    found: dict[str, ManagedSite] = {}
    servers = config.get("apps", {}).get("http", {}).get("servers", {}) if config else {}
    for server in servers.values() if isinstance(servers, dict) else ():
        for route in server.get("routes", []):
            if not is_managed(route):
                continue
            try:
                host = route["match"][0]["host"][0]
                dial = route["handle"][0]["upstreams"][0]["dial"]
                site = ManagedSite(fqdn=host, upstream=dial)
            except (KeyError, IndexError, TypeError, ValueError):
                continue
            found[site.fqdn] = site
    return found


def find_route(config: Any, fqdn: str) -> Any:
    """The managed route for `fqdn` in a config, or None."""
    ident = route_id(fqdn)
    servers = config.get("apps", {}).get("http", {}).get("servers", {}) if config else {}
    for server in servers.values() if isinstance(servers, dict) else ():
        for route in server.get("routes", []):
            if isinstance(route, dict) and route.get("@id") == ident:
                return route
    return None


def desired_with(env: DomainEnv, live: Any, fqdn: str, upstream: str | None) -> Any:
    """`live` with the site for `fqdn` set to `upstream` (removed when None), others kept."""
    sites = live_sites(live)
    sites.pop(fqdn, None)
    if upstream is not None:
        sites[fqdn] = ManagedSite(fqdn=fqdn, upstream=upstream)
    return build_desired(
        live,
        list(sites.values()),
        server=env.settings.caddy_server,
        stream_close_delay=env.settings.caddy_stream_close_delay,
    )
