"""`domains.repoint_dns` through the real gate, against Knot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.errors import BadInput
from memory.db import Database
from memory.domain_models import DomainStatus, EventCategory
from memory.domains import DomainChanges, find_domain, list_events, update_domain
from tests.testbed.caddy_pebble import Caddy
from tests.testbed.knot import KnotServer
from tests.tools.checks.domain_bed import USER, DomainBed, approved, domain_bed
from tools.dns.query import query_records
from tools.workflows.domain_env import build_provider

TOOL = "domains.repoint_dns"


@pytest.fixture
async def bed(
    tmp_path: Path, knot: KnotServer, caddy: Caddy, database: Database, db_url: str
) -> AsyncIterator[DomainBed]:
    async with domain_bed(tmp_path, knot, caddy, database, db_url) as made:
        yield made


async def records(bed: DomainBed, fqdn: str, rtype: str) -> list[str]:
    return await query_records(fqdn, rtype, [f"{bed.knot.host}:{bed.knot.port}"])


async def test_a_and_aaaa_before_and_after_with_an_event(bed: DomainBed) -> None:
    fqdn = bed.name("repoint")
    domain = await bed.active("repoint", "127.0.0.1:8080", ["203.0.113.7"])
    provider = build_provider(bed.settings.domains)
    assert provider is not None
    await provider.ensure_record(fqdn, "A", ["127.0.0.2"])
    await provider.ensure_record(fqdn, "AAAA", ["::2"])

    asked = await bed.gate.invoke(USER, TOOL, {"fqdn": fqdn + "."})
    assert asked.status == "approval_required"
    view = await bed.gate.decide(asked.approval_id or "", approve=True, by="user:evin")
    assert view.status == "executed", view
    assert view.diff is not None and "127.0.0.2 -> 127.0.0.1" in view.diff
    result = view.result or {}
    data = result.get("data", result)
    assert data["before"] == {"A": ["127.0.0.2"], "AAAA": ["::2"]}
    assert data["after"] == {"A": ["127.0.0.1"]}
    assert data["changed"] == ["A"]
    # A fixed public_ip names no IPv6 address: the AAAA record is left, and said so.
    assert data["kept"] and "AAAA" in data["kept"][0]
    assert await records(bed, fqdn, "A") == ["127.0.0.1"]
    assert await records(bed, fqdn, "AAAA") == ["::2"]
    stored = await find_domain(bed.db, fqdn)
    assert stored is not None and stored.records["A"] == ["127.0.0.1"]
    (event,) = [e for e in await list_events(bed.db, domain.id) if e.category == EventCategory.DNS]
    assert "127.0.0.2" in event.message and event.data is not None
    assert event.data["after"] == {"A": ["127.0.0.1"]}

    again = await approved(bed, TOOL, {"fqdn": fqdn})
    assert again.status == "executed"
    assert (again.result or {}).get("data", again.result)["changed"] == []


async def test_bad_input_and_unknown_or_inactive_domains_change_nothing(bed: DomainBed) -> None:
    with pytest.raises(BadInput):
        await bed.gate.invoke(USER, TOOL, {"fqdn": "not a name"})
    with pytest.raises(BadInput, match="not a registered domain"):
        await bed.gate.invoke(USER, TOOL, {"fqdn": bed.name("nobody")})
    fqdn = bed.name("parked")
    domain = await bed.active("parked", "127.0.0.1:8080")
    await update_domain(bed.db, domain.id, DomainChanges(status=DomainStatus.FAILED))
    provider = build_provider(bed.settings.domains)
    assert provider is not None
    await provider.ensure_record(fqdn, "A", ["127.0.0.3"])
    with pytest.raises(BadInput, match="not active"):
        await bed.gate.invoke(USER, TOOL, {"fqdn": fqdn})
    assert await records(bed, fqdn, "A") == ["127.0.0.3"]


async def test_refused_when_dns_is_not_managed_here(
    tmp_path: Path, knot: KnotServer, caddy: Caddy, database: Database, db_url: str
) -> None:
    async with domain_bed(tmp_path, knot, caddy, database, db_url, provider="none") as bed:
        await bed.active("unmanaged", "127.0.0.1:8080")
        with pytest.raises(BadInput, match="not managed"):
            await bed.gate.invoke(USER, TOOL, {"fqdn": bed.name("unmanaged")})
