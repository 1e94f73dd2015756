"""The domain test bed for checks and repair tools: settings on Knot + Caddy + Pebble, a gate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from core.settings import Settings
from memory.db import Database
from memory.domain_models import DomainStatus
from memory.domains import Domain, NewDomain, create_domain
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.rules import load_rules
from tests.testbed.caddy_pebble import Caddy, caddy_site_config
from tests.testbed.knot import KnotServer
from tests.tools.workflows.test_provision_e2e import bed_settings
from tools.caddy.desired import ManagedSite, build_desired
from tools.catalog import build_registry
from tools.checks.base import CheckContext
from tools.deps import ToolDeps

USER = CallContext(actor="user:evin")


@dataclass
class DomainBed:
    """One test's settings, database, tool deps and gate over the shared Knot and Caddy."""

    settings: Settings
    db: Database
    deps: ToolDeps
    gate: Gate
    knot: KnotServer
    caddy: Caddy
    tag: str  # "pg" or "lite": names differ per backend, Knot and Caddy are shared

    def name(self, label: str) -> str:
        """A domain name in the test zone unique to this backend."""
        return f"{label}-{self.tag}.{self.knot.zone}"

    def context(self, **domains: Any) -> CheckContext:
        """A fresh check pass, with domain settings changed as given."""
        settings = self.settings
        if domains:
            changed = settings.domains.model_copy(update=domains)
            settings = settings.model_copy(update={"domains": changed})
        return CheckContext(deps=ToolDeps(settings, db=self.db), db=self.db)

    async def active(self, label: str, target: str, records: list[str] | None = None) -> Domain:
        """Register a domain as already published (status active)."""
        new = NewDomain(
            fqdn=self.name(label),
            zone=self.knot.zone,
            target=target,
            provider="rfc2136",
            records={"A": records or ["127.0.0.1"]},
            status=DomainStatus.ACTIVE,
        )
        return await create_domain(self.db, new)

    def serve(self, sites: dict[str, str]) -> dict[str, Any]:
        """Load the base config plus a managed route per `fqdn -> upstream`; returns it."""
        config = build_desired(
            caddy_site_config(self.caddy, {}),
            [ManagedSite(fqdn=f, upstream=u) for f, u in sites.items()],
            stream_close_delay=None,
        )
        httpx.post(f"{self.caddy.admin}/load", json=config, timeout=10).raise_for_status()
        return dict(config)


@asynccontextmanager
async def domain_bed(
    tmp_path: Path,
    knot: KnotServer,
    caddy: Caddy,
    database: Database,
    db_url: str,
    **domains: Any,
) -> AsyncIterator[DomainBed]:
    """Caddy reset to the base config, settings pointed at the bed, the real gate."""
    httpx.post(f"{caddy.admin}/load", json=caddy_site_config(caddy, {}), timeout=10)
    (tmp_path / "data").mkdir(exist_ok=True)
    raw = bed_settings(tmp_path, knot, caddy, "sqlite:///unused.db")
    raw["domains"].update(domains)
    settings = Settings(**raw)
    deps = ToolDeps(settings, db=database)
    gate = Gate(
        database, build_registry(), PolicyEngine(load_rules(None)), deps, Vault(load_key(settings))
    )
    tag = "pg" if db_url.startswith("postgres") else "lite"
    try:
        yield DomainBed(settings, database, deps, gate, knot, caddy, tag)
    finally:
        deps.close()


async def approved(bed: DomainBed, tool: str, args: dict[str, Any]) -> Any:
    """Ask the gate for a write tool, approve it, and return the executed outcome."""
    asked = await bed.gate.invoke(USER, tool, args)
    assert asked.status == "approval_required", asked
    return await bed.gate.decide(asked.approval_id or "", approve=True, by="user:evin")
