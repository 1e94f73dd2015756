"""The Caddy check and `caddy.reconcile` against the real Caddy admin API."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.errors import BadInput
from memory.db import Database
from memory.domain_models import DomainStatus
from memory.domains import NewDomain, create_domain
from tests.testbed.caddy_pebble import Caddy, free_port
from tests.testbed.knot import KnotServer
from tests.tools.checks.domain_bed import USER, DomainBed, approved, domain_bed
from tools.caddy.desired import route_id
from tools.checks.caddy import drift_check
from tools.checks.runner import run_checks


@pytest.fixture
async def bed(
    tmp_path: Path, knot: KnotServer, caddy: Caddy, database: Database, db_url: str
) -> AsyncIterator[DomainBed]:
    async with domain_bed(tmp_path, knot, caddy, database, db_url) as made:
        yield made


def live(bed: DomainBed) -> Any:
    return httpx.get(f"{bed.caddy.admin}/config/", timeout=10).json()


def load(bed: DomainBed, config: Any) -> None:
    httpx.post(f"{bed.caddy.admin}/load", json=config, timeout=10).raise_for_status()


def routes(config: Any) -> list[Any]:
    return list(config["apps"]["http"]["servers"]["main"]["routes"])


async def test_no_caddy_and_no_domains_is_no_finding(bed: DomainBed) -> None:
    ctx = bed.context(caddy_admin_url=f"http://127.0.0.1:{free_port()}")
    (outcome,) = await run_checks([drift_check], ctx)
    assert outcome.status == "ok" and outcome.observations == []


async def test_admin_down_with_domains_is_critical_and_keeps_the_drift_finding(
    bed: DomainBed,
) -> None:
    await bed.active("down", "127.0.0.1:8080")
    url = f"http://127.0.0.1:{free_port()}"
    result = await drift_check.probe(bed.context(caddy_admin_url=url))
    (obs,) = result.observations
    assert obs.resource == "caddy:admin" and obs.severity == "critical"
    assert obs.remedy is None and obs.evidence["admin_url"] == url
    assert result.scope == {"caddy:admin"}


async def test_routes_changed_behind_jarvis_back_are_reconciled_keeping_the_rest(
    bed: DomainBed, upstream: str
) -> None:
    kept, lost = bed.name("kept"), bed.name("lost")
    await bed.active("kept", upstream)
    await bed.active("lost", upstream)
    # A workflow is adding this one right now: its route is not the check's business.
    busy = bed.name("busy")
    await create_domain(
        bed.db,
        NewDomain(
            fqdn=busy,
            zone=bed.knot.zone,
            target=upstream,
            provider="rfc2136",
            status=DomainStatus.PROVISIONING,
        ),
    )
    desired = bed.serve({kept: upstream, lost: upstream, busy: upstream})
    assert (await drift_check.probe(bed.context())).observations == []

    # Behind Jarvis's back: one managed route removed, one retargeted, a stray managed route
    # and an unmanaged route added.
    changed = copy.deepcopy(desired)
    server = changed["apps"]["http"]["servers"]["main"]
    server["routes"] = [r for r in server["routes"] if r["@id"] != route_id(lost)]
    for route in server["routes"]:
        if route["@id"] == route_id(kept):
            route["handle"][0]["upstreams"] = [{"dial": "127.0.0.1:1"}]
    stray = {"@id": route_id(bed.name("stray")), "match": [{"host": ["stray.invalid"]}]}
    stray["handle"] = [{"handler": "static_response", "body": "stray"}]
    mine = {"match": [{"host": ["mine.invalid"]}], "handle": [stray["handle"][0]]}
    server["routes"] += [stray, mine]
    load(bed, changed)

    (obs,) = (await drift_check.probe(bed.context())).observations
    assert obs.resource == "caddy:config" and obs.severity == "warning"
    assert obs.evidence["missing"] == [route_id(lost)]
    assert obs.evidence["changed"] == [route_id(kept)]
    assert obs.evidence["unexpected"] == [route_id(bed.name("stray"))]
    assert obs.remedy is not None and obs.remedy.tool == "caddy.reconcile"

    view = await approved(bed, obs.remedy.tool, obs.remedy.args)
    assert view.status == "executed", view
    assert view.diff is not None and "missing: " + route_id(lost) in view.diff
    data = (view.result or {}).get("data", view.result)
    assert data["changed"] is True and data["snapshot_before"]
    now = live(bed)
    assert mine in routes(now)  # the unmanaged route stays
    assert {r.get("@id") for r in routes(now)} >= {route_id(kept), route_id(lost), route_id(busy)}
    assert route_id(bed.name("stray")) not in {r.get("@id") for r in routes(now)}
    assert (await drift_check.probe(bed.context())).observations == []

    # The snapshot taken first restores what was there before the repair.
    undo = await approved(bed, "caddy.restore_snapshot", {"snapshot_id": data["snapshot_before"]})
    assert undo.status == "executed", undo
    assert stray in routes(live(bed))
    again = await approved(bed, "caddy.reconcile", {})
    assert again.status == "executed"
    in_sync = await approved(bed, "caddy.reconcile", {})
    assert (in_sync.result or {}).get("data", in_sync.result)["changed"] is False


async def test_caddy_restarted_empty_is_rebuilt_from_the_newest_snapshot(
    bed: DomainBed, upstream: str
) -> None:
    fqdn = bed.name("empty")
    await bed.active("empty", upstream)
    bed.serve({fqdn: upstream})
    # No snapshot yet, and Caddy runs nothing: there is nothing to rebuild the base from.
    load(bed, {"admin": {"listen": bed.caddy.admin.removeprefix("http://")}})
    (obs,) = (await drift_check.probe(bed.context())).observations
    assert obs.remedy is None and "no snapshot" in obs.summary
    with pytest.raises(BadInput, match="no snapshot"):
        await bed.gate.invoke(USER, "caddy.reconcile", {})

    bed.serve({})
    snap = await approved(bed, "caddy.reconcile", {})  # adds the route, leaves a snapshot
    assert snap.status == "executed", snap
    load(bed, {"admin": {"listen": bed.caddy.admin.removeprefix("http://")}})
    (obs,) = (await drift_check.probe(bed.context())).observations
    assert obs.evidence["missing"] == [route_id(fqdn)] and obs.evidence["base"].startswith("caddy-")
    fixed = await approved(bed, "caddy.reconcile", {})
    assert fixed.status == "executed", fixed
    assert route_id(fqdn) in {r.get("@id") for r in routes(live(bed))}
