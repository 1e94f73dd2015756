"""What a domain workflow needs before anyone is asked to approve it: Caddy, and a way to DNS."""

from __future__ import annotations

from typing import Any

from core.errors import BadInput, JarvisError, NotReady
from core.settings import DomainsSettings
from tools.caddy.client import CaddyAdmin
from tools.deps import ToolDeps
from tools.workflows.domain_env import build_provider

CHECK_SECONDS = 3.0


async def caddy_answers(settings: DomainsSettings) -> None:
    """Caddy's admin API must answer: every domain workflow changes or reads its routes."""
    try:
        async with CaddyAdmin(settings.caddy_admin_url, timeout=CHECK_SECONDS) as caddy:
            await caddy.get_config()
    except JarvisError:
        raise NotReady(
            f"Caddy's admin API at {settings.caddy_admin_url} does not answer. Start Caddy, or "
            "set JARVIS_DOMAINS__CADDY_ADMIN_URL to where it listens, then ask again."
        ) from None


def dns_ready(settings: DomainsSettings) -> None:
    """A provider with its credentials, or a fixed address for DNS managed by hand."""
    if settings.provider == "none":
        if settings.public_ip is None:
            raise NotReady(
                "No DNS provider is configured, so Jarvis cannot point the domain at this "
                "server. Set JARVIS_DOMAINS__PROVIDER (zoneedit, rfc2136 or lexicon) with its "
                "credentials; or, if you manage DNS yourself, set JARVIS_DOMAINS__PUBLIC_IP to "
                "the address the domain's A record points at."
            )
        return
    try:
        build_provider(settings)
    except BadInput as exc:
        raise NotReady(
            f"The DNS provider {settings.provider} is not set up: {exc.message}"
        ) from None


async def provision_ready(_args: Any, deps: ToolDeps) -> None:
    """Publishing needs DNS (a provider or a fixed address) and Caddy."""
    dns_ready(deps.settings.domains)
    await caddy_answers(deps.settings.domains)


async def caddy_ready(_args: Any, deps: ToolDeps) -> None:
    """Removing a domain or renewing its certificate goes through Caddy."""
    await caddy_answers(deps.settings.domains)
