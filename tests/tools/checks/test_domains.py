"""The domain checks on the test bed: Pebble certificates through Caddy, Knot records."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from memory.db import Database
from memory.domain_models import DomainStatus
from memory.domains import NewDomain, create_domain
from tests.testbed.caddy_pebble import Caddy, free_port, wait_until_served
from tests.testbed.knot import KnotServer
from tests.testbed.tls_server import HttpsServer, issue
from tests.tools.checks.domain_bed import DomainBed, approved, domain_bed
from tools.checks import domains as domain_checks
from tools.checks.base import CheckContext
from tools.checks.runner import run_checks
from tools.dns.query import query_records
from tools.netcheck.health import sweep
from tools.workflows.domain_env import build_provider

certificate, health, dns = (
    domain_checks.certificate_check,
    domain_checks.health_check,
    domain_checks.dns_check,
)


@pytest.fixture
async def bed(
    tmp_path: Path, knot: KnotServer, caddy: Caddy, database: Database, db_url: str
) -> AsyncIterator[DomainBed]:
    async with domain_bed(tmp_path, knot, caddy, database, db_url) as made:
        yield made


async def seen(check: Any, ctx: CheckContext) -> dict[str, Any]:
    result = await check.probe(ctx)
    return {o.resource: o for o in result.observations}


async def test_no_domains_means_no_network_work(bed: DomainBed) -> None:
    # Nothing answers at these addresses, and no public IP is set: any network use would show.
    ctx = bed.context(public_ip=None, https_port=free_port(), caddy_admin_url="http://127.0.0.1:9")
    outcomes = await run_checks([certificate, health, dns], ctx)
    assert [(o.status, o.observations) for o in outcomes] == [("ok", [])] * 3
    assert set(ctx._cache) == {"domains.active"}


async def test_an_expiring_pebble_certificate_warns_then_turns_critical(
    bed: DomainBed, upstream: str
) -> None:
    fqdn = bed.name("expiring")
    await bed.active("expiring", upstream)
    bed.serve({fqdn: upstream})
    wait_until_served(bed.caddy, fqdn)

    assert await seen(certificate, bed.context()) == {}  # default thresholds: far from expiry
    # Pebble's certificates last years; thresholds longer than that make it "expiring".
    warned = (await seen(certificate, bed.context(cert_thresholds=(100_000, 50_000, 1))))[
        f"domain:{fqdn}"
    ]
    assert warned.severity == "warning" and "expires in" in warned.summary
    assert warned.remedy is not None and warned.remedy.tool == "domains.renew_ssl"
    assert warned.remedy.args == {"fqdn": fqdn}
    assert warned.evidence["issuer"] and warned.evidence["chain_verified"] is True
    late = bed.context(cert_thresholds=(100_000, 99_999, 99_998))
    assert (await seen(certificate, late))[f"domain:{fqdn}"].severity == "critical"
    assert await seen(health, bed.context()) == {}  # it answers fine meanwhile


async def test_an_expired_certificate_is_invalid_and_critical(
    bed: DomainBed, tmp_path: Path, upstream: str
) -> None:
    fqdn = bed.name("expired")
    await bed.active("expired", upstream)
    issued = issue(tmp_path / "pki", [fqdn], valid=(-30, -1))
    with HttpsServer(issued.chain) as server:
        ctx = bed.context(https_port=server.port, ca_bundle=issued.ca_bundle)
        found = await seen(certificate, ctx)
        # Same pass: the health check reads the same sweep and leaves the certificate alone.
        assert await seen(health, ctx) == {}
    obs = found[f"domain:{fqdn}"]
    assert obs.severity == "critical" and "expired" in obs.summary
    assert obs.remedy is not None and obs.remedy.tool == "domains.renew_ssl"
    assert obs.evidence["days_left"] < 0


async def test_a_site_whose_upstream_is_down_is_critical_without_a_remedy(
    bed: DomainBed, upstream: str
) -> None:
    good, bad = bed.name("fine"), bed.name("broken")
    await bed.active("fine", upstream)
    await bed.active("broken", f"127.0.0.1:{free_port()}")
    bed.serve({good: upstream, bad: f"127.0.0.1:{free_port()}"})
    wait_until_served(bed.caddy, good)
    wait_until_served(bed.caddy, bad)
    found = await seen(health, bed.context())
    assert set(found) == {f"domain:{bad}"}
    obs = found[f"domain:{bad}"]
    assert obs.severity == "critical" and obs.remedy is None
    assert obs.evidence["status_code"] == 502


async def test_a_record_pointing_elsewhere_is_repointed_through_the_gate(
    bed: DomainBed, upstream: str
) -> None:
    fqdn = bed.name("moved")
    await bed.active("moved", upstream)
    provider = build_provider(bed.settings.domains)
    assert provider is not None
    await provider.ensure_record(fqdn, "A", ["127.0.0.2"])  # changed behind Jarvis's back
    found = await seen(dns, bed.context())
    obs = found[f"domain:{fqdn}"]
    assert obs.severity == "critical" and "127.0.0.2" in obs.summary
    assert obs.evidence["records"]["A"] == ["127.0.0.2"]
    assert obs.remedy is not None and obs.remedy.tool == "domains.repoint_dns"

    view = await approved(bed, obs.remedy.tool, obs.remedy.args)
    assert view.status == "executed", view
    authoritative = [f"{bed.knot.host}:{bed.knot.port}"]
    assert await query_records(fqdn, "A", authoritative) == ["127.0.0.1"]
    assert await seen(dns, bed.context()) == {}
    # Not managed here: not checked at all.
    assert await seen(dns, bed.context(provider="none")) == {}


async def test_two_hundred_domains_share_one_bounded_sweep(
    bed: DomainBed, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(200):
        await create_domain(
            bed.db,
            NewDomain(
                fqdn=bed.name(f"many{n}"),
                zone=bed.knot.zone,
                target="127.0.0.1:9",
                provider="rfc2136",
                status=DomainStatus.ACTIVE,
            ),
        )
    sweeps: list[int] = []

    async def counted(targets: list[Any], concurrency: int = 50) -> Any:
        sweeps.append(len(targets))
        assert concurrency <= 50
        return await sweep(targets, concurrency)

    monkeypatch.setattr(domain_checks, "sweep", counted)
    started = time.monotonic()
    # Caddy serves none of them: every handshake fails at once, every record is missing.
    outcomes = await run_checks([certificate, health, dns], bed.context())
    assert time.monotonic() - started < 30
    assert sweeps == [200]
    by_id = {o.check: o for o in outcomes}
    assert all(o.status != "error" for o in outcomes), outcomes
    assert len(by_id["domains.health"].observations) == 200
    assert len(by_id["domains.dns"].observations) == 200
    assert by_id["domains.certificate"].observations == []
    assert by_id["domains.certificate"].scope == set()  # no certificate seen: none closes
