"""Domains import and export over REST: lines of bad rows, conflicts, round trips."""

from __future__ import annotations

import csv
import io

from agent.runtime import Runtime
from tests.ui.web.conftest import Server
from tests.ui.web.domains.conftest import BASE, client, name


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
