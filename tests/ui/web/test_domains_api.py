"""The assembled domains REST API: every route behind an API key, documented, in order."""

from __future__ import annotations

from tests.ui.web.conftest import Server
from tests.ui.web.domains.conftest import BASE


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
    # The fixed paths come before `/{ref}`, which would otherwise answer them.
    paths = list(spec["paths"])
    assert paths.index(f"{BASE}/health") < paths.index(f"{BASE}/{{ref}}")
    schemas = spec["components"]["schemas"]
    assert schemas["DomainIn"]["additionalProperties"] is False
    assert schemas["DomainPatch"]["additionalProperties"] is False
    assert {"DomainOut", "SummaryOut", "GatedOut", "ImportReport", "ImportRefused"} <= set(schemas)
    imported = spec["paths"][f"{BASE}/import"]["post"]
    assert {"text/csv", "application/json"} <= set(imported["requestBody"]["content"])
    assert "text/csv" in spec["paths"][f"{BASE}/export"]["get"]["responses"]["200"]["content"]
    assert spec["paths"][BASE]["post"]["responses"]["201"]
