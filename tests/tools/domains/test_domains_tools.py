"""The domains tools through the real gate, on the test bed (Knot, Caddy, Pebble)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from memory.db import Database
from memory.domains import Event
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.rules import load_rules
from tests.testbed.caddy_pebble import Caddy, caddy_site_config
from tests.testbed.knot import KnotServer
from tests.tools.workflows.test_provision_e2e import bed_settings
from tools.catalog import build_registry
from tools.deps import ToolDeps
from tools.workflows.runner import PROGRESS

USER = CallContext(actor="user:evin")


@pytest.fixture
async def domains_gate(
    tmp_path: Path, database: Database, knot: KnotServer, caddy: Caddy
) -> AsyncIterator[Gate]:
    """The real gate and default policy, with tool deps pointed at the test bed."""
    httpx.post(f"{caddy.admin}/load", json=caddy_site_config(caddy, {}), timeout=10)
    (tmp_path / "data").mkdir(exist_ok=True)
    settings = Settings(**bed_settings(tmp_path, knot, caddy, "sqlite:///unused.db"))
    deps = ToolDeps(settings, db=database)
    yield Gate(
        database, build_registry(), PolicyEngine(load_rules(None)), deps, Vault(load_key(settings))
    )
    deps.close()


async def test_provision_asks_then_runs_after_approval(
    domains_gate: Gate, upstream: str, db_url: str
) -> None:
    gate = domains_gate
    # Each backend run gets its own name: Caddy and Knot are shared by the session.
    fqdn = f"gated-{'pg' if db_url.startswith('postgres') else 'lite'}.example.test"
    added = await gate.invoke(USER, "domains.add", {"fqdn": fqdn, "target": upstream})
    assert added.status == "approval_required"
    await gate.decide(added.approval_id or "", approve=True, by="user:evin")

    listed = await gate.invoke(USER, "domains.list", {})
    assert listed.status == "ok" and listed.data is not None
    assert [d["status"] for d in listed.data["domains"]] == ["pending"]

    asked = await gate.invoke(USER, "domains.provision", {"fqdn": fqdn})
    assert asked.status == "approval_required", asked
    status = await gate.invoke(USER, "domains.status", {"fqdn": fqdn})
    assert status.data is not None and status.data["tasks"] == []  # nothing ran yet

    # A chat session follows the run live through the progress hook, step by step.
    seen: list[str] = []

    async def follow(event: Event) -> None:
        seen.append(event.message)

    token = PROGRESS.set(follow)
    try:
        view = await gate.decide(asked.approval_id or "", approve=True, by="user:evin")
    finally:
        PROGRESS.reset(token)
    assert view.status == "executed", view
    assert len(seen) >= 8, seen
    status = await gate.invoke(USER, "domains.status", {"fqdn": fqdn})
    assert status.data is not None and status.data["domain"]["status"] == "active"
    (task,) = status.data["tasks"]
    assert task["status"] == "succeeded" and len(task["steps"]) == 8

    health = await gate.invoke(USER, "domains.health", {"fqdn": fqdn})
    assert health.status == "ok" and health.data is not None
    assert health.data["reports"][0]["classification"] == "healthy"
    everything = await gate.invoke(USER, "domains.health", {})
    assert everything.data is not None and len(everything.data["reports"]) == 1

    renew = await gate.invoke(USER, "domains.renew_ssl", {"fqdn": fqdn})
    assert renew.status == "approval_required"
    renewed = await gate.decide(renew.approval_id or "", approve=True, by="user:evin")
    assert renewed.status == "executed", renewed

    remove = await gate.invoke(USER, "domains.deprovision", {"fqdn": fqdn})
    assert remove.status == "approval_required"
    removed = await gate.decide(remove.approval_id or "", approve=True, by="user:evin")
    assert removed.status == "executed", removed
    final = await gate.invoke(USER, "domains.status", {"fqdn": fqdn})
    assert final.data is not None and final.data["domain"]["status"] == "removed"
