"""Reading a Caddyfile someone shows Jarvis: Caddy adapts it (nothing is loaded), sites listed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from core.errors import BadInput
from tools.caddy.client import CaddyAdmin
from tools.deps import ToolDeps
from tools.registry import ToolArgs, ToolFamily, ToolResult

family = ToolFamily("caddy")


class CheckCaddyfileArgs(ToolArgs):
    """The Caddyfile's text."""

    caddyfile: str = Field(min_length=1, max_length=256_000, description="The Caddyfile text.")


class CaddySite(BaseModel):
    """One site block as Caddy understood it."""

    hosts: list[str]
    listen: list[str]
    handlers: list[str] = Field(description="e.g. 'reverse_proxy app:80', 'file_server'.")


class CheckCaddyfileResult(ToolResult):
    """The sites a valid Caddyfile serves."""

    sites: list[CaddySite]


def _handlers(routes: list[Any]) -> list[str]:
    """The handlers of a route list, subroutes included, as short words."""
    out: list[str] = []
    for route in routes:
        for handle in route.get("handle") or []:
            kind = str(handle.get("handler", "?"))
            if kind == "subroute":
                out += _handlers(handle.get("routes") or [])
            elif kind == "reverse_proxy":
                ups = [str(u.get("dial", "?")) for u in handle.get("upstreams") or []]
                out.append("reverse_proxy " + " ".join(ups))
            elif kind not in out:
                out.append(kind)
    return out


def sites_of(config: Any) -> list[CaddySite]:
    """Every host-matched route of every HTTP server in an adapted config."""
    servers = ((config or {}).get("apps") or {}).get("http", {}).get("servers") or {}
    sites = []
    for server in servers.values():
        listen = [str(a) for a in server.get("listen") or []]
        for route in server.get("routes") or []:
            hosts = [str(h) for m in route.get("match") or [] for h in m.get("host") or []]
            sites.append(CaddySite(hosts=hosts, listen=listen, handlers=_handlers([route])))
    return sites


@family.tool(
    "check_caddyfile",
    risk="read",
    resource="caddy:config",
    description="""
Check a Caddyfile (its text) with Caddy itself: Caddy adapts it to JSON without loading it, and
the sites it would serve are listed with their handlers (reverse_proxy upstreams, file_server).
An invalid Caddyfile is reported with Caddy's own message. caddy.import_caddyfile loads one.
""",
)
async def check_caddyfile(args: CheckCaddyfileArgs, deps: ToolDeps) -> CheckCaddyfileResult:
    """Adapt a Caddyfile through Caddy's admin API and list its sites."""
    async with CaddyAdmin(deps.settings.domains.caddy_admin_url) as caddy:
        config = await caddy.adapt(args.caddyfile)
    if not isinstance(config, dict):
        raise BadInput("Caddy adapted the Caddyfile to no config")
    return CheckCaddyfileResult(sites=sites_of(config))
