"""Domain records over REST: register, read, change, forget, history, audit."""

from __future__ import annotations

from sqlalchemy import select

from agent.runtime import Runtime
from memory import domains as repo
from memory.domain_models import DomainStatus
from memory.models import AuditEntry
from tests.ui.web.conftest import Server
from tests.ui.web.domains.conftest import BASE, client, name


async def test_create_get_update_delete(server: Server, runtime: Runtime) -> None:
    fqdn = name("plex")
    with await client(server, runtime) as http:
        made = http.post(BASE, json={"fqdn": fqdn.upper() + ".", "target": "plex:32400"})
        assert made.status_code == 201, made.text
        domain = made.json()
        assert domain["fqdn"] == fqdn and domain["status"] == "pending"
        assert domain["zone"] == "example.com" and domain["provider"] == "zoneedit"
        assert domain["notes"] is None

        again = http.post(BASE, json={"fqdn": fqdn, "target": "other:1"})
        assert again.status_code == 409 and "already registered" in again.json()["detail"]

        for body, field in (
            ({"fqdn": "not a name", "target": "plex:1"}, ["body", "fqdn"]),
            ({"fqdn": name("x"), "target": "plex"}, ["body", "target"]),
            ({"fqdn": name("x"), "target": "plex:70000"}, ["body", "target"]),
            ({"fqdn": name("x")}, ["body", "target"]),
            ({"fqdn": name("x"), "target": "a:1", "owner": "me"}, ["body", "owner"]),
            ({"fqdn": name("x"), "target": "a:1", "zone": "other.org"}, ["body", "zone"]),
        ):
            bad = http.post(BASE, json=body)
            assert bad.status_code == 422, body
            assert [e["loc"] for e in bad.json()["detail"]] == [field], bad.text

        by_id = http.get(f"{BASE}/{domain['id']}").json()
        by_name = http.get(f"{BASE}/{fqdn.upper()}").json()
        assert by_id == by_name == domain
        for unknown in ("999999", "nope.example.com", "not a name"):
            missing = http.get(f"{BASE}/{unknown}")
            assert missing.status_code == 404 and unknown in missing.json()["detail"]
        assert http.patch(f"{BASE}/999999", json={"notes": "x"}).status_code == 404

        changed = http.patch(
            f"{BASE}/{fqdn}", json={"target": "10.0.0.9:8080", "notes": "living room"}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["target"] == "10.0.0.9:8080"
        assert changed.json()["notes"] == "living room"
        patches: list[tuple[dict[str, str | None], list[str]]] = [
            ({"target": "nope"}, ["body", "target"]),
            ({"target": None}, ["body", "target"]),
            ({"status": "active"}, ["body", "status"]),
            ({"provider": "Bad Provider"}, ["body", "provider"]),
        ]
        for patch_body, field in patches:
            bad = http.patch(f"{BASE}/{fqdn}", json=patch_body)
            assert bad.status_code == 422, patch_body
            assert [e["loc"] for e in bad.json()["detail"]] == [field], bad.text
        cleared = http.patch(f"{BASE}/{domain['id']}", json={"notes": None})
        assert cleared.json()["notes"] is None and cleared.json()["target"] == "10.0.0.9:8080"

        listed = http.get(BASE, params={"status": "pending"})
        assert listed.status_code == 200 and fqdn in [d["fqdn"] for d in listed.json()]
        assert fqdn not in [d["fqdn"] for d in http.get(BASE, params={"status": "active"}).json()]
        bogus = http.get(BASE, params={"status": "bogus"})
        assert bogus.status_code == 422 and bogus.json()["detail"][0]["loc"] == ["query", "status"]

        events = http.get(f"{BASE}/{fqdn}/events")
        assert events.status_code == 200
        assert [e["message"] for e in events.json()] == ["notes changed", "notes removed"]
        assert http.get(f"{BASE}/nope.example.com/events").status_code == 404

        # Provisioned: the record stays until it is deprovisioned.
        await repo.update_domain(
            runtime.db, domain["id"], repo.DomainChanges(status=DomainStatus.ACTIVE)
        )
        refused = http.delete(f"{BASE}/{fqdn}")
        assert refused.status_code == 409 and "deprovision it first" in refused.json()["detail"]
        await repo.update_domain(
            runtime.db, domain["id"], repo.DomainChanges(status=DomainStatus.REMOVED)
        )
        gone = http.delete(f"{BASE}/{fqdn}")
        assert gone.status_code == 200 and gone.json()["fqdn"] == fqdn
        assert http.get(f"{BASE}/{fqdn}").status_code == 404
        assert http.delete(f"{BASE}/{fqdn}").status_code == 404

    # Every change to the records is in the audit log, under the key that made it.
    async with runtime.db.session() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.resource == f"domain:{fqdn}")
        )
        events = [row.event for row in rows]
    assert events == ["domain_created", "domain_updated", "domain_updated", "domain_deleted"]
