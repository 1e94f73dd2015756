"""The REST API over real HTTP: API keys, approvals asked through the gate, decisions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from agent.runtime import Runtime
from memory import audit
from memory.db import make_sync_engine
from memory.models import AuditEntry
from memory.vault import derive, load_key
from policies.gate import CallContext
from tests.ui.web.conftest import Server
from ui.web.apikeys import ApiKeyStore

ASKER = CallContext(actor="user:evin", thread_id="thread-1")


async def new_key(runtime: Runtime, name: str) -> str:
    _view, key = await ApiKeyStore(runtime.db).create(name, "user:evin")
    return key


async def ask_for_write(runtime: Runtime, server: Server, name: str) -> tuple[str, Path]:
    """A real approval: a config write, which the default policy asks about."""
    target = server.edit_root / name
    target.write_text("a: 1\n")
    outcome = await runtime.gate.invoke(
        ASKER, "files.write_config", {"path": str(target), "content": "a: 2\n"}
    )
    assert outcome.status == "approval_required" and outcome.approval_id
    return outcome.approval_id, target


def decisions(server: Server) -> list[dict[str, Any]]:
    path = server.data_dir / "decisions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_health_api_and_docs_are_not_shadowed_by_the_chat(server: Server) -> None:
    with server.client() as http:
        health = http.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok", "database": "ok"}

        listed = http.get("/api/v1/approvals")
        assert listed.status_code == 401
        assert listed.headers["content-type"] == "application/json"

        spec = http.get("/openapi.json").json()
        assert spec["info"]["title"] == "Jarvis"
        assert {
            "/healthz",
            "/api/v1/approvals",
            "/api/v1/approvals/{approval_id}",
            "/api/v1/approvals/{approval_id}/decision",
        } <= set(spec["paths"])
        schemas = spec["components"]["schemas"]
        assert schemas["DecisionIn"]["additionalProperties"] is False
        assert "ApprovalView" in schemas
        assert {"HTTPBearer", "APIKeyHeader"} <= set(spec["components"]["securitySchemes"])
        decide = spec["paths"]["/api/v1/approvals/{approval_id}/decision"]["post"]
        assert decide["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/DecisionIn"
        }

        chat = http.get("/")
        assert chat.status_code == 200 and chat.headers["content-type"].startswith("text/html")
        assert http.get("/docs").status_code == 200


async def test_requests_without_a_valid_key_are_refused(server: Server, runtime: Runtime) -> None:
    key = await new_key(runtime, "phone")
    other = await new_key(runtime, "laptop")
    store = ApiKeyStore(runtime.db)
    await store.revoke("laptop")
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    with server.client() as http:
        missing = http.get("/api/v1/approvals")
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert "API key is required" in missing.json()["detail"]
        for headers in (
            {"Authorization": f"Bearer {forged}"},
            {"Authorization": "Bearer not-a-key"},
            {"X-API-Key": forged},
            {"Authorization": f"Bearer {other}"},  # revoked
        ):
            refused = http.get("/api/v1/approvals", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
            assert refused.json() == {"detail": "the API key is not valid or was revoked"}
        assert (
            http.get("/api/v1/approvals", headers={"Authorization": f"Basic {key}"}).status_code
            == 401
        )
        assert (
            http.get("/api/v1/approvals", headers={"Authorization": f"Bearer {key}"}).status_code
            == 200
        )
        assert http.get("/api/v1/approvals", headers={"X-API-Key": key}).status_code == 200
    [phone] = [k for k in await store.list() if k.name == "phone"]
    assert phone.last_used_at is not None


async def test_list_get_and_approve_once(server: Server, runtime: Runtime) -> None:
    key = await new_key(runtime, "ci-bot")
    approval_id, target = await ask_for_write(runtime, server, "app.yaml")
    auth = {"Authorization": f"Bearer {key}"}
    with server.client() as http:
        pending = http.get("/api/v1/approvals", params={"status": "pending"}, headers=auth)
        assert pending.status_code == 200
        assert approval_id in [a["id"] for a in pending.json()]
        executed = http.get("/api/v1/approvals", params={"status": "executed"}, headers=auth)
        assert approval_id not in [a["id"] for a in executed.json()]
        bad = http.get("/api/v1/approvals", params={"status": "bogus"}, headers=auth)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "status"]

        one = http.get(f"/api/v1/approvals/{approval_id}", headers=auth).json()
        assert one["tool"] == "files.write_config" and one["status"] == "pending"
        assert one["actor"] == "user:evin" and one["thread_id"] == "thread-1"
        assert "+a: 2" in one["diff"]

        unknown = http.get("/api/v1/approvals/no-such-id", headers=auth)
        assert unknown.status_code == 404
        assert unknown.json() == {"detail": "no approval with id 'no-such-id'"}
        unknown = http.post(
            "/api/v1/approvals/no-such-id/decision", json={"approve": True}, headers=auth
        )
        assert unknown.status_code == 404

        done = http.post(
            f"/api/v1/approvals/{approval_id}/decision", json={"approve": True}, headers=auth
        )
        assert done.status_code == 200, done.text
        view = done.json()
        assert view["status"] == "executed" and view["decided_by"] == "user:ci-bot"
        assert view["result"]["status"] == "ok"
        assert target.read_text() == "a: 2\n"

        target.write_text("changed: by hand\n")
        again = http.post(
            f"/api/v1/approvals/{approval_id}/decision", json={"approve": True}, headers=auth
        )
        assert again.status_code == 200 and again.json()["status"] == "executed"
        assert target.read_text() == "changed: by hand\n"  # approving twice ran nothing
        late_no = http.post(
            f"/api/v1/approvals/{approval_id}/decision", json={"approve": False}, headers=auth
        )
        assert late_no.json()["status"] == "executed"
        assert "changes nothing" in late_no.json()["message"]
    mine = [d for d in decisions(server) if d["id"] == approval_id]
    assert mine and all(d["status"] == "executed" for d in mine)


async def test_bad_bodies_and_rejection(server: Server, runtime: Runtime) -> None:
    key = await new_key(runtime, "script")
    approval_id, target = await ask_for_write(runtime, server, "other.yaml")
    url = f"/api/v1/approvals/{approval_id}/decision"
    with server.client() as http:
        http.headers["X-API-Key"] = key
        for body, field in (
            ({"approve": "yes"}, ["body", "approve"]),
            ({"approve": 1}, ["body", "approve"]),
            ({}, ["body", "approve"]),
            ({"approve": True, "force": True}, ["body", "force"]),
        ):
            answer = http.post(url, json=body)
            assert answer.status_code == 422, body
            assert [e["loc"] for e in answer.json()["detail"]] == [field], answer.text
        garbled = http.post(url, content=b"{not json", headers={"content-type": "application/json"})
        assert garbled.status_code == 422
        assert http.get(f"/api/v1/approvals/{approval_id}").json()["status"] == "pending"

        rejected = http.post(url, json={"approve": False})
        assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
        assert rejected.json()["decided_by"] == "user:script"
        late_yes = http.post(url, json={"approve": True})
        assert late_yes.json()["status"] == "rejected"
        assert "rejected earlier" in late_yes.json()["message"]
    assert target.read_text() == "a: 1\n"
    assert {"id": approval_id, "status": "rejected"} in decisions(server)


async def test_the_audit_chain_holds_across_both_processes(server: Server) -> None:
    engine = make_sync_engine(server.db_url)
    try:
        with Session(engine) as session:
            report = audit.verify(session, derive(load_key(server.settings()), "audit"))
            events = [e.event for e in session.query(AuditEntry).all()]
    finally:
        engine.dispose()
    assert report.ok, report
    assert "approval_approved" in events and "apikey_created" in events


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
def test_no_key_in_error_bodies(server: Server, header: str) -> None:
    secret = "jv_abcdefgh_" + "x" * 43
    value = f"Bearer {secret}" if header == "Authorization" else secret
    with httpx.Client(base_url=server.url) as http:
        answer = http.get("/api/v1/approvals/whatever", headers={header: value})
    assert answer.status_code == 401 and secret not in answer.text
