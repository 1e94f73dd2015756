"""The domains summary over REST: counts by status, unhealthy, certificates expiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agent.runtime import Runtime
from memory import domains as repo
from memory.domain_models import DomainStatus
from tests.ui.web.conftest import Server
from tests.ui.web.domains.conftest import BASE, client, name


async def test_summary_counts_status_health_and_expiry(server: Server, runtime: Runtime) -> None:
    soon, later, sick = name("soon"), name("later"), name("sick")
    now = datetime.now(UTC)
    with await client(server, runtime) as http:
        before = http.get(f"{BASE}/summary").json()
        ids = {}
        for fqdn in (soon, later, sick):
            ids[fqdn] = http.post(BASE, json={"fqdn": fqdn, "target": "app:80"}).json()["id"]
        await repo.update_domain(
            runtime.db,
            ids[soon],
            repo.DomainChanges(
                status=DomainStatus.ACTIVE,
                cert={"not_after": (now + timedelta(days=10, hours=1)).isoformat()},
            ),
        )
        await repo.update_domain(
            runtime.db,
            ids[later],
            repo.DomainChanges(
                status=DomainStatus.ACTIVE,
                cert={"not_after": (now + timedelta(days=60)).isoformat()},
                health={"classification": "healthy"},
            ),
        )
        await repo.update_domain(
            runtime.db,
            ids[sick],
            repo.DomainChanges(status=DomainStatus.FAILED, health={"classification": "down"}),
        )
        after = http.get(f"{BASE}/summary")
        assert after.status_code == 200
        summary = after.json()
    assert summary["total"] == before["total"] + 3
    assert summary["by_status"]["active"] == before["by_status"]["active"] + 2
    assert summary["by_status"]["failed"] == before["by_status"]["failed"] + 1
    assert set(summary["by_status"]) == {s.value for s in DomainStatus}
    assert summary["unhealthy"] == before["unhealthy"] + 1
    assert summary["expiring_within_days"] == 21
    expiring = {c["fqdn"]: c for c in summary["expiring_certificates"]}
    assert soon in expiring and later not in expiring
    assert expiring[soon]["days_left"] == 10
