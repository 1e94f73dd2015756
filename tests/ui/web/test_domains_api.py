"""The domains REST API over real HTTP: CRUD, import and export, summary, gated workflows."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from agent.runtime import Runtime
from memory import domains as repo
from memory.domain_models import DomainStatus
from memory.models import AuditEntry
from tests.ui.web.conftest import Server
from tools.catalog import build_registry
from ui.web.apikeys import ApiKeyStore

BASE = "/api/v1/domains"
GATED_TOOLS = ("domains.provision", "domains.deprovision", "domains.renew_ssl", "domains.health")


async def client(server: Server, runtime: Runtime) -> httpx.Client:
    _view, key = await ApiKeyStore(runtime.db).create(f"k{uuid.uuid4().hex[:8]}", "user:evin")
    http = server.client()
    http.headers["X-API-Key"] = key
    return http


def name(label: str) -> str:
    """A name no other test (or backend run) on this server uses."""
    return f"{label}-{uuid.uuid4().hex[:8]}.example.com"


def test_docs_and_keys(server: Server) -> None:
    with server.client() as http:
        for method, path in (
            ("GET", BASE),
            ("POST", BASE),
            ("GET", f"{BASE}/1"),
            ("GET", f"{BASE}/summary"),
            ("GET", f"{BASE}/export"),
            ("POST", f"{BASE}/import"),
            ("POST", f"{BASE}/1/provision"),
            ("GET", f"{BASE}/health"),
        ):
            answer = http.request(method, path)
            assert answer.status_code == 401, (method, path)
            assert "API key is required" in answer.json()["detail"]
        spec = http.get("/openapi.json").json()
    assert {
        BASE,
        f"{BASE}/summary",
        f"{BASE}/export",
        f"{BASE}/import",
        f"{BASE}/health",
        f"{BASE}/{{ref}}",
        f"{BASE}/{{ref}}/events",
        f"{BASE}/{{ref}}/health",
        f"{BASE}/{{ref}}/provision",
        f"{BASE}/{{ref}}/deprovision",
        f"{BASE}/{{ref}}/renew-ssl",
    } <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert schemas["DomainIn"]["additionalProperties"] is False
    assert schemas["DomainPatch"]["additionalProperties"] is False
    assert {"DomainOut", "SummaryOut", "GatedOut", "ImportReport", "ImportRefused"} <= set(schemas)
    imported = spec["paths"][f"{BASE}/import"]["post"]
    assert {"text/csv", "application/json"} <= set(imported["requestBody"]["content"])
    assert "text/csv" in spec["paths"][f"{BASE}/export"]["get"]["responses"]["200"]["content"]
    assert spec["paths"][BASE]["post"]["responses"]["201"]


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


async def test_import_reports_lines_and_exports_round_trip(
    server: Server, runtime: Runtime
) -> None:
    good, bad, dup = name("good"), name("bad"), name("dup")
    text = f"fqdn,target,notes\n{good},app:80,first\n{bad},app:0,\n{dup},app:81,\n{dup},app:82,\n"
    with await client(server, runtime) as http:
        refused = http.post(f"{BASE}/import", content=text, headers={"Content-Type": "text/csv"})
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert "nothing was imported" in body["detail"]
        assert [(e["line"], e["field"]) for e in body["errors"]] == [(3, "target"), (5, "fqdn")]
        assert http.get(f"{BASE}/{good}").status_code == 404

        unknown = http.post(
            f"{BASE}/import", params={"format": "csv"}, content="fqdn,target,colour\n"
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "header"
        assert http.post(f"{BASE}/import", params={"format": "xml"}, content="").status_code == 422

        some = http.post(
            f"{BASE}/import",
            params={"partial": "true", "format": "csv"},
            content=text,
        )
        assert some.status_code == 200, some.text
        assert some.json()["created"] == [good, dup]
        assert [e["line"] for e in some.json()["errors"]] == [3, 5]
        assert http.get(f"{BASE}/{good}").json()["notes"] == "first"

        clash = f'[{{"fqdn": "{good}", "target": "elsewhere:1"}}]'
        conflict = http.post(f"{BASE}/import", content=clash)
        assert conflict.status_code == 409
        assert conflict.json()["errors"][0]["location"] == "item 0"

        for fmt, media in (("json", "application/json"), ("csv", "text/csv")):
            exported = http.get(f"{BASE}/export", params={"format": fmt})
            assert exported.status_code == 200
            assert exported.headers["content-type"].startswith(media)
            assert f"domains.{fmt}" in exported.headers["content-disposition"]
            back = http.post(f"{BASE}/import", params={"format": fmt}, content=exported.content)
            assert back.status_code == 200, back.text
            assert back.json()["created"] == [] and good in back.json()["unchanged"]
            assert http.get(f"{BASE}/export", params={"format": fmt}).content == exported.content
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert {"fqdn": good, "target": "app:80", "notes": "first"}.items() <= next(
            r for r in rows if r["fqdn"] == good
        ).items()


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


async def test_gated_workflows_go_through_the_gate(server: Server, runtime: Runtime) -> None:
    fqdn = name("gated")
    available = all(tool in build_registry() for tool in GATED_TOOLS)
    with await client(server, runtime) as http:
        made = http.post(BASE, json={"fqdn": fqdn, "target": "app:80"}).json()
        assert http.post(f"{BASE}/nope.example.com/provision").status_code == 404
        if not available:
            for path in ("provision", "deprovision", "renew-ssl", "health"):
                method = "GET" if path == "health" else "POST"
                answer = http.request(method, f"{BASE}/{fqdn}/{path}")
                assert answer.status_code == 503, path
                assert "not available" in answer.json()["detail"]
            return
        bad = http.post(f"{BASE}/{fqdn}/provision", json={"target": "nope"})
        assert bad.status_code == 422
        asked = http.post(f"{BASE}/{made['id']}/provision")
        assert asked.status_code == 202, asked.text
        body = asked.json()
        assert body["status"] == "approval_required" and body["approval_id"]
        approval = http.get(f"/api/v1/approvals/{body['approval_id']}").json()
        assert approval["tool"] == "domains.provision" and approval["status"] == "pending"
        assert approval["args"]["fqdn"] == fqdn and approval["actor"].startswith("user:k")
        for path in ("deprovision", "renew-ssl"):
            answer = http.post(f"{BASE}/{fqdn}/{path}")
            assert answer.status_code == 202, (path, answer.text)
            assert answer.json()["approval_id"]
        once = {"Idempotency-Key": f"renew-{fqdn}"}
        first = http.post(f"{BASE}/{fqdn}/renew-ssl", headers=once).json()["approval_id"]
        assert http.post(f"{BASE}/{fqdn}/renew-ssl", headers=once).json()["approval_id"] == first

        checked = http.get(f"{BASE}/{fqdn}/health")
        assert checked.status_code == 200, checked.text
        assert checked.json()["status"] == "ok" and checked.json()["tool"] == "domains.health"
        [report] = checked.json()["data"]["reports"]
        assert report["domain"] == fqdn and report["classification"] != "healthy"
        stored = http.get(f"{BASE}/{fqdn}").json()
        assert stored["health"]["classification"] == report["classification"]
        assert any(e["category"] == "health" for e in http.get(f"{BASE}/{fqdn}/events").json())
