"""What the domain workflows act on: DNS provider, Caddy, snapshots, built from settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from core.errors import BadInput
from core.settings import DomainsSettings, Settings
from memory.db import Database
from memory.domains import Task
from tools.caddy.client import CaddyAdmin
from tools.caddy.snapshots import SnapshotStore
from tools.dns.base import DnsProvider
from tools.dns.propagation import NameServer
from tools.dns.query import parse_nameserver

# Called after a step is recorded done (tests use it to stop a run at a chosen point).
StepHook = Callable[[Task, str], Awaitable[None]]


async def _detect(settings: DomainsSettings) -> str:
    if settings.public_ip:
        return settings.public_ip
    from tools.netcheck.public_ip import detect_public_ip

    return (await detect_public_ip("ipv4")).address


def build_provider(settings: DomainsSettings, db: Database | None = None) -> DnsProvider | None:
    """The configured DNS provider, or None when DNS is not managed (`provider: none`)."""
    if settings.provider == "none":
        return None
    if settings.provider == "rfc2136":
        if not settings.rfc2136_server:
            raise BadInput("domains.rfc2136_server (host:port) is not set")
        from tools.dns.rfc2136 import Rfc2136Provider

        host, port = parse_nameserver(settings.rfc2136_server)
        return Rfc2136Provider(
            host,
            port,
            settings.zones,
            settings.tsig_key_name or "",
            settings.tsig_secret,
            settings.tsig_algorithm,
        )
    if settings.provider == "zoneedit":
        if not settings.zoneedit_user or settings.zoneedit_token is None:
            raise BadInput("domains.zoneedit_user and domains.zoneedit_token are not set")
        from tools.dns.zoneedit import DbUpdateMarks, ZoneEditProvider

        return ZoneEditProvider(
            settings.zoneedit_user,
            settings.zoneedit_token,
            nameservers=settings.nameservers or settings.resolvers,
            zones=settings.zones,
            # The 600 s per-host limit must hold across restarts: keep the marks in the db.
            marks=DbUpdateMarks(db) if db is not None else None,
        )
    if not settings.lexicon_provider or settings.lexicon_token is None or not settings.zones:
        raise BadInput("domains.lexicon_provider, lexicon_token and zones are not set")
    from tools.dns.lexicon_provider import LexiconProvider

    return LexiconProvider(settings.lexicon_provider, settings.zones[0], settings.lexicon_token)


@dataclass
class DomainEnv:
    """The systems a domain workflow changes, and the knobs it verifies with."""

    settings: DomainsSettings
    provider: DnsProvider | None
    caddy: CaddyAdmin
    snapshots: SnapshotStore
    detect_ip: Callable[[], Awaitable[str]] | None = None
    after_step: StepHook | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database | None = None) -> DomainEnv:
        """An environment for the configured provider and Caddy; snapshots in the data dir."""
        domains = settings.domains
        return cls(
            settings=domains,
            provider=build_provider(domains, db),
            caddy=CaddyAdmin(domains.caddy_admin_url),
            snapshots=SnapshotStore(Path(settings.data_dir) / "caddy-snapshots"),
        )

    async def public_ip(self) -> str:
        """The address A records point at: injected, fixed in settings, or detected."""
        if self.detect_ip is not None:
            return await self.detect_ip()
        return await _detect(self.settings)

    @property
    def provider_name(self) -> str:
        """The provider's name, for domain rows and messages."""
        return self.provider.name if self.provider is not None else "none"

    def authoritative(self) -> list[NameServer]:
        """Servers that must answer the new record: the provider's own server, if known."""
        if self.settings.provider == "rfc2136" and self.settings.rfc2136_server:
            host, port = parse_nameserver(self.settings.rfc2136_server)
            return [NameServer(name="authoritative", ip=host, port=port)]
        return [
            NameServer(name=f"nameserver {spec}", ip=host, port=port)
            for spec in self.settings.nameservers
            for host, port in [parse_nameserver(spec)]
        ]

    def resolvers(self) -> list[NameServer]:
        """The configured public resolvers, as servers to ask."""
        return [
            NameServer(name=f"resolver {spec}", ip=host, port=port)
            for spec in self.settings.resolvers
            for host, port in [parse_nameserver(spec)]
        ]

    async def aclose(self) -> None:
        """Close the Caddy client."""
        await self.caddy.aclose()

    async def __aenter__(self) -> DomainEnv:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
