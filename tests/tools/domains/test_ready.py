"""Domain workflows are offered only when they could work: nobody approves a run that must fail."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.settings import Settings
from memory.db import Database
from memory.domains import NewDomain, create_domain
from memory.models import Approval, AuditEntry
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.outcome import NOT_READY
from policies.rules import load_rules
from tests.testbed.caddy_pebble import Caddy
from tests.testbed.jarvis_server import free_port
from tools.catalog import build_registry
from tools.deps import ToolDeps

USER = CallContext(actor="user:evin")
FQDN = "ready.example.test"


def gate_for(tmp_path: Path, database: Database, **domains: object) -> Gate:
    settings = Settings(data_dir=tmp_path, domains=domains)
    deps = ToolDeps(settings, db=database)
    engine = PolicyEngine(load_rules(None))
    return Gate(database, build_registry(), engine, deps, Vault(load_key(settings)))


async def nothing_asked(database: Database) -> list[str]:
    async with database.session() as s:
        assert (await s.scalars(select(Approval))).first() is None
        return [e.event for e in await s.scalars(select(AuditEntry))]


async def test_no_dns_provider_says_what_to_configure(tmp_path: Path, database: Database) -> None:
    gate = gate_for(tmp_path, database)
    outcome = await gate.invoke(USER, "domains.provision", {"fqdn": FQDN, "target": "app:80"})
    assert outcome.status == "error" and outcome.reason == NOT_READY
    message = outcome.message or ""
    assert "No DNS provider" in message and "JARVIS_DOMAINS__PROVIDER" in message
    assert "JARVIS_DOMAINS__PUBLIC_IP" in message
    assert "not_ready" in await nothing_asked(database)


async def test_a_provider_without_credentials_is_named(tmp_path: Path, database: Database) -> None:
    gate = gate_for(tmp_path, database, provider="lexicon")
    outcome = await gate.invoke(USER, "domains.provision", {"fqdn": FQDN, "target": "app:80"})
    assert outcome.reason == NOT_READY and "lexicon" in (outcome.message or "")
    await nothing_asked(database)


async def test_caddy_down_is_said_before_asking(tmp_path: Path, database: Database) -> None:
    admin = f"http://127.0.0.1:{free_port()}"
    gate = gate_for(tmp_path, database, public_ip="127.0.0.1", caddy_admin_url=admin)
    await create_domain(
        database, NewDomain(fqdn=FQDN, zone="example.test", target="app:80", provider="none")
    )
    for tool in ("domains.provision", "domains.deprovision", "domains.renew_ssl"):
        outcome = await gate.invoke(USER, tool, {"fqdn": FQDN})
        assert outcome.reason == NOT_READY, (tool, outcome)
        assert f"Caddy's admin API at {admin} does not answer" in (outcome.message or "")
    await nothing_asked(database)


async def test_ready_setup_is_asked_as_before(
    tmp_path: Path, database: Database, caddy: Caddy
) -> None:
    gate = gate_for(tmp_path, database, public_ip="127.0.0.1", caddy_admin_url=caddy.admin)
    outcome = await gate.invoke(USER, "domains.provision", {"fqdn": FQDN, "target": "app:80"})
    assert outcome.status == "approval_required", outcome
