"""Domain workflows over REST: provision, deprovision, renewal and health through the gate."""

from __future__ import annotations

from agent.runtime import Runtime
from tests.ui.web.conftest import Server
from tests.ui.web.domains.conftest import BASE, client, name
from tools.catalog import build_registry

GATED_TOOLS = ("domains.provision", "domains.deprovision", "domains.renew_ssl", "domains.health")


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
