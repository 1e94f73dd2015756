"""The config Jarvis wants Caddy to run: a base config plus one managed route per domain."""

from __future__ import annotations

import copy
import difflib
import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from core.errors import BadInput
from tools.caddy.client import CaddyAdmin

ID_PREFIX = "jarvis-"
# Caddy >= 2.7 keeps proxied streams (WebSockets) open this long across a reload.
STREAM_CLOSE_DELAY = "5m"
Fqdn = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),
    StringConstraints(
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{1,63}$", max_length=253
    ),
]
Upstream = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-\[\]:]{1,260}:\d{1,5}$")]


class ManagedSite(BaseModel):
    """One domain Jarvis serves: requests for `fqdn` go to `upstream` (host:port)."""

    model_config = ConfigDict(extra="forbid")

    fqdn: Fqdn = Field(description="The site's name, e.g. app.example.com.")
    upstream: Upstream = Field(description="Where to proxy, e.g. 127.0.0.1:8080.")


def route_id(fqdn: str) -> str:
    """The `@id` of the route Jarvis manages for `fqdn`."""
    return ID_PREFIX + fqdn.lower().rstrip(".").replace(".", "-")


def is_managed(route: Any) -> bool:
    """True for a route Jarvis owns (its `@id` starts with `jarvis-`)."""
    return isinstance(route, dict) and str(route.get("@id", "")).startswith(ID_PREFIX)


def managed_route(site: ManagedSite, stream_close_delay: str | None = STREAM_CLOSE_DELAY) -> Any:
    """The Caddy route for one managed site."""
    proxy: dict[str, Any] = {"handler": "reverse_proxy", "upstreams": [{"dial": site.upstream}]}
    if stream_close_delay:
        proxy["stream_close_delay"] = stream_close_delay
    return {
        "@id": route_id(site.fqdn),
        "match": [{"host": [site.fqdn]}],
        "handle": [proxy],
        "terminal": True,
    }


def _servers(config: Any) -> dict[str, Any]:
    servers = config.get("apps", {}).get("http", {}).get("servers", {})
    return servers if isinstance(servers, dict) else {}


def main_server(config: Any) -> str:
    """The name of the server that serves HTTPS (listens on the HTTPS port)."""
    http = config.get("apps", {}).get("http", {})
    servers = _servers(config)
    port = str(http.get("https_port", 443))
    on_port = [
        name
        for name, server in servers.items()
        if any(str(addr).rsplit(":", 1)[-1] == port for addr in server.get("listen", []))
    ]
    if len(on_port) == 1:
        return on_port[0]
    if not on_port and len(servers) == 1:
        return next(iter(servers))
    if not servers:
        raise BadInput("the base config has no HTTP server to add sites to")
    raise BadInput(f"cannot tell which server serves HTTPS on port {port}: {sorted(servers)}")


def build_desired(
    base: Any,
    sites: list[ManagedSite],
    *,
    server: str | None = None,
    stream_close_delay: str | None = STREAM_CLOSE_DELAY,
) -> Any:
    """`base` with exactly one managed route per site in the HTTPS server, others untouched."""
    config = copy.deepcopy(base)
    name = server or main_server(config)
    servers = _servers(config)
    if name not in servers:
        raise BadInput(f"the base config has no server named {name!r}")
    fqdns = [s.fqdn for s in sites]
    if len(set(fqdns)) != len(fqdns):
        raise BadInput("each domain may be managed once")
    target = servers[name]
    unmanaged = [r for r in target.get("routes", []) if not is_managed(r)]
    managed = [managed_route(s, stream_close_delay) for s in sorted(sites, key=lambda s: s.fqdn)]
    # Managed routes go first so a catch-all route of the base config cannot shadow them.
    target["routes"] = managed + unmanaged
    return config


async def base_from_caddyfile(admin: CaddyAdmin, caddyfile: str) -> Any:
    """A base config imported from a Caddyfile through Caddy's own adapter."""
    return await admin.adapt(caddyfile)


def _dump(config: Any) -> list[str]:
    return json.dumps(config, indent=2, sort_keys=True).splitlines(keepends=True)


def render_diff(live: Any, desired: Any) -> str:
    """A unified diff of two configs as JSON with sorted keys ('' when equal)."""
    return "".join(difflib.unified_diff(_dump(live), _dump(desired), "live", "desired"))


@dataclass(frozen=True)
class Difference:
    """One way the live config differs from the desired one."""

    kind: Literal["missing", "changed", "unexpected", "unmanaged"]
    target: str  # a route @id, or a server name for unmanaged changes
    detail: str


def _routes_by_id(config: Any) -> dict[str, tuple[str, Any]]:
    found: dict[str, tuple[str, Any]] = {}
    for name, server in _servers(config).items():
        for route in server.get("routes", []):
            if is_managed(route):
                found[route["@id"]] = (name, route)
    return found


def _without_managed(config: Any) -> Any:
    stripped = copy.deepcopy(config)
    for server in _servers(stripped).values():
        if "routes" in server:
            server["routes"] = [r for r in server["routes"] if not is_managed(r)]
    return stripped


def drift(live: Any, desired: Any, *, include_unmanaged: bool = False) -> list[Difference]:
    """How the live config strays from the desired one, managed routes first.

    Changes outside Jarvis's routes are reported (kind `unmanaged`) only when asked for.
    """
    have, want = _routes_by_id(live), _routes_by_id(desired)
    found: list[Difference] = []
    for ident in sorted(want):
        server, route = want[ident]
        if ident not in have:
            found.append(Difference("missing", ident, f"not in server {server}"))
        elif have[ident] != want[ident]:
            diff = render_diff(have[ident][1], route) or f"in server {have[ident][0]}"
            found.append(Difference("changed", ident, diff))
    for ident in sorted(set(have) - set(want)):
        found.append(Difference("unexpected", ident, f"in server {have[ident][0]}"))
    if include_unmanaged:
        diff = render_diff(_without_managed(live), _without_managed(desired))
        if diff:
            found.append(Difference("unmanaged", "config", diff))
    return found
