"""Background repairs of domains on the real Knot and Caddy: a drifted A record and a lost
Caddy route are put back and verified when a rule allows it, and asked about when none does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.background.service import Background
from agent.runtime import Runtime, build_runtime
from core.settings import BackgroundSettings, Settings
from memory.domain_models import DomainStatus
from memory.domains import NewDomain, create_domain
from tests.testbed.caddy_pebble import Caddy, caddy_site_config
from tests.testbed.knot import KnotServer
from tests.tools.workflows.test_provision_e2e import bed_settings
from tools.caddy.desired import ManagedSite, build_desired, route_id
from tools.dns.query import query_records
from tools.workflows.domain_env import build_provider

HEAL_DOMAINS = """
version: 1
rules:
  - id: heal-domains
    effect: allow
    tools: [domains.repoint_dns, caddy.reconcile]
    actors: ["agent:autonomous"]
"""


async def _runtime(tmp_path: Path, knot: KnotServer, caddy: Caddy, policy: bool) -> Runtime:
    raw: dict[str, Any] = bed_settings(tmp_path, knot, caddy, f"sqlite:///{tmp_path / 'j.db'}")
    raw["audit_checkpoint_file"] = str(tmp_path / "checkpoints.jsonl")
    raw["audit_syslog"] = False
    raw["background"] = BackgroundSettings(verify_seconds=10)
    if policy:
        rules = tmp_path / "policy.yaml"
        rules.write_text(HEAL_DOMAINS)
        raw["policy_file"] = str(rules)
    (tmp_path / "data").mkdir(exist_ok=True)
    return build_runtime(Settings(**raw))


@pytest.fixture
async def healing(tmp_path: Path, knot: KnotServer, caddy: Caddy) -> AsyncIterator[Runtime]:
    rt = await _runtime(tmp_path, knot, caddy, policy=True)
    yield rt
    await rt.close()


@pytest.fixture
async def asking(tmp_path: Path, knot: KnotServer, caddy: Caddy) -> AsyncIterator[Runtime]:
    rt = await _runtime(tmp_path, knot, caddy, policy=False)
    yield rt
    await rt.close()


async def _active(rt: Runtime, knot: KnotServer, label: str, target: str) -> str:
    fqdn = f"{label}-bg.{knot.zone}"
    new = NewDomain(
        fqdn=fqdn,
        zone=knot.zone,
        target=target,
        provider="rfc2136",
        records={"A": ["127.0.0.1"]},
        status=DomainStatus.ACTIVE,
    )
    await create_domain(rt.db, new)
    return fqdn


async def test_a_drifted_record_is_repointed_and_verified(
    healing: Runtime, knot: KnotServer
) -> None:
    fqdn = await _active(healing, knot, "drift", "127.0.0.1:9")
    provider = build_provider(healing.settings.domains)
    assert provider is not None
    await provider.ensure_record(fqdn, "A", ["127.0.0.2"])  # changed behind Jarvis's back
    run = await Background(healing).start("remediate", options={"checks": ["domains.dns"]})
    [action] = [a for a in run.actions if a["resource"] == f"domain:{fqdn}"]
    assert (action["tool"], action["status"], action["verified"]) == (
        "domains.repoint_dns",
        "ok",
        True,
    )
    authoritative = [f"{knot.host}:{knot.port}"]
    assert await query_records(fqdn, "A", authoritative) == ["127.0.0.1"]
    assert fqdn in (run.summary or "")


async def test_without_a_rule_the_repoint_is_asked_and_nothing_changes(
    asking: Runtime, knot: KnotServer
) -> None:
    fqdn = await _active(asking, knot, "asked", "127.0.0.1:9")
    provider = build_provider(asking.settings.domains)
    assert provider is not None
    await provider.ensure_record(fqdn, "A", ["127.0.0.3"])
    run = await Background(asking).start("remediate", options={"checks": ["domains.dns"]})
    [action] = [a for a in run.actions if a["resource"] == f"domain:{fqdn}"]
    assert action["status"] == "approval_required"
    authoritative = [f"{knot.host}:{knot.port}"]
    assert await query_records(fqdn, "A", authoritative) == ["127.0.0.3"]
    approval = await asking.gate.approvals.get(action["approval_id"])
    assert approval.purpose and "domains.dns" in approval.purpose


async def test_a_lost_caddy_route_is_put_back(
    healing: Runtime, knot: KnotServer, caddy: Caddy, upstream: str
) -> None:
    fqdn = await _active(healing, knot, "route", upstream)
    base = caddy_site_config(caddy, {})
    desired = build_desired(
        base, [ManagedSite(fqdn=fqdn, upstream=upstream)], stream_close_delay=None
    )
    httpx.post(f"{caddy.admin}/load", json=base, timeout=10).raise_for_status()  # route lost
    run = await Background(healing).start("remediate", options={"checks": ["caddy.*"]})
    [action] = [a for a in run.actions if a["tool"] == "caddy.reconcile"]
    assert action["status"] == "ok" and action["verified"] is True
    live = httpx.get(f"{caddy.admin}/config/", timeout=10).json()
    assert route_id(fqdn) in str(live) and route_id(fqdn) in str(desired)
