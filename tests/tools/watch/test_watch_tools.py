"""The findings, runs and checks tools through the real gate, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.settings import Settings
from memory import runs
from memory.db import Database
from memory.findings import Observation, Remedy, end_repair, sync_check
from memory.models import utcnow
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.rules import load_rules
from tools.catalog import build_registry
from tools.checks.base import CheckContext, CheckResult, CheckSet
from tools.deps import ToolDeps
from tools.watch import tools as watch

USER = CallContext(actor="user:evin")


@pytest.fixture
def watch_gate(database: Database, settings: Settings) -> Gate:
    """The real gate and default policy, with the database the tools read."""
    deps = ToolDeps(settings, db=database)
    return Gate(
        database, build_registry(), PolicyEngine(load_rules(None)), deps, Vault(load_key(settings))
    )


def obs(check: str, resource: str, severity: Any = "warning", summary: str = "x") -> Observation:
    return Observation(check=check, resource=resource, severity=severity, summary=summary)


async def ok(gate: Gate, tool: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    outcome = await gate.invoke(USER, tool, args or {})
    assert outcome.status == "ok", outcome
    assert outcome.untrusted  # evidence and summaries carry text containers wrote
    assert outcome.data is not None
    return outcome.data


async def test_findings_list_gives_open_findings_most_severe_first(
    watch_gate: Gate, database: Database
) -> None:
    restart = Remedy(tool="docker.start_container", args={"name": "web"}, why="it exited")
    exited = obs("containers.exited", "container:web", "critical", "exited (code 3)")
    exited.remedy = restart
    await sync_check(database, "host.disk", [obs("host.disk", "host:disk:/")], run_id=None)
    await sync_check(database, "containers.exited", [exited], run_id=None)
    await sync_check(database, "containers.exited", [exited], run_id=None)
    data = await ok(watch_gate, "findings.list")
    assert data["status"] == "open" and data["last_checked"] is None
    first, second = data["findings"]
    assert (first["resource"], first["severity"], first["count"]) == (
        "container:web",
        "critical",
        2,
    )
    assert first["remedy"]["tool"] == "docker.start_container"
    assert second["resource"] == "host:disk:/"

    # A repair that waits on an approval says so (an unknown approval has no status).
    await end_repair(database, first["id"], status="approval_required", approval_id="a-1")
    data = await ok(watch_gate, "findings.list")
    assert data["findings"][0]["repair_status"] == "approval_required"
    assert data["findings"][0]["approval_id"] == "a-1"
    assert data["findings"][0]["approval_status"] is None

    # Cleared findings leave the open list and show up with closed=true.
    await sync_check(database, "containers.exited", [], run_id=None)
    data = await ok(watch_gate, "findings.list")
    assert [f["resource"] for f in data["findings"]] == ["host:disk:/"]
    closed = await ok(watch_gate, "findings.list", {"closed": True, "since_hours": 1})
    assert [f["resource"] for f in closed["findings"]] == ["container:web"]
    assert closed["findings"][0]["closed_at"] is not None


async def test_runs_list_shows_recent_top_level_runs_and_repairs_when_asked(
    watch_gate: Gate, database: Database
) -> None:
    old = await runs.create_run(
        database, kind="diagnose", trigger="schedule", actor="agent:autonomous",
        now=utcnow() - timedelta(hours=30),
    )  # fmt: skip
    await runs.finish_run(database, old.id, status="succeeded", summary="old")
    run = await runs.create_run(
        database, kind="remediate", trigger="schedule", actor="agent:autonomous"
    )
    await runs.claim_run(database, run.id, worker="w")
    action = {"tool": "docker.start_container", "resource": "container:web", "status": "ok"}
    await runs.record_progress(
        database, run.id, findings=[{"id": "f"}], actions=[action], approvals=[]
    )
    await runs.finish_run(database, run.id, status="succeeded", summary="repaired container:web")
    child = await runs.create_run(
        database, kind="repair", trigger="schedule", actor="agent:autonomous", parent_id=run.id
    )

    data = await ok(watch_gate, "runs.list")
    (row,) = data["runs"]
    assert (row["id"], row["kind"], row["trigger"], row["status"]) == (
        run.id, "remediate", "schedule", "succeeded",
    )  # fmt: skip
    assert (row["findings"], row["actions"], row["approvals"]) == (1, 1, 0)
    assert row["repairs"] == [{**action, "approval_id": None, "message": None}]
    assert row["seconds"] is not None and row["summary"] == "repaired container:web"

    both = await ok(watch_gate, "runs.list", {"include_repairs": True})
    assert {r["id"] for r in both["runs"]} == {run.id, child.id}
    week = await ok(watch_gate, "runs.list", {"since_hours": 48, "kind": "diagnose"})
    assert [r["id"] for r in week["runs"]] == [old.id]
    # The finished pass is when findings were last checked.
    findings = await ok(watch_gate, "findings.list")
    assert findings["last_checked"] is not None


async def test_checks_run_records_a_manual_diagnose_run_and_its_findings(
    watch_gate: Gate, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = {"container:web"}
    fake = CheckSet()

    @fake.check("containers.exited", title="Exited", description="d", severity_rule="r")
    async def exited(ctx: CheckContext) -> CheckResult:
        return CheckResult(
            observations=[exited.observe(r, "critical", "exited (code 3)") for r in broken]
        )

    @fake.check("host.disk", title="Disk", description="d", severity_rule="r")
    async def disk(ctx: CheckContext) -> CheckResult:
        raise RuntimeError("boom")

    monkeypatch.setattr(watch, "all_checks", lambda: list(fake.checks))

    data = await ok(watch_gate, "checks.run")
    assert data["checks"] == 2 and data["opened"] == 1 and data["status"] == "succeeded"
    assert [f["resource"] for f in data["findings"]] == ["container:web"]
    assert data["errors"] and data["errors"][0].startswith("host.disk")
    run = await runs.get_run(database, data["run_id"])
    assert (run.kind, run.trigger, run.status) == ("diagnose", "manual", "succeeded")
    assert run.findings[0]["resource"] == "container:web" and run.findings[0]["new"] is True
    assert run.summary == data["summary"]

    # The container came back: only the containers checks run, and the finding closes.
    broken.clear()
    data = await ok(watch_gate, "checks.run", {"checks": ["containers.*"]})
    assert data["checks"] == 1 and data["findings"] == [] and data["closed"] == ["container:web"]
    listed = await ok(watch_gate, "runs.list", {"kind": "diagnose"})
    assert len(listed["runs"]) == 2

    nothing = await watch_gate.invoke(USER, "checks.run", {"checks": ["nope.*"]})
    assert nothing.status == "error" and "no check matches" in (nothing.message or "")


async def test_watch_tools_need_the_database(settings: Settings, database: Database) -> None:
    gate = Gate(
        database,
        build_registry(),
        PolicyEngine(load_rules(None)),
        ToolDeps(settings),
        Vault(load_key(settings)),
    )
    for tool in ("findings.list", "runs.list", "checks.run"):
        outcome = await gate.invoke(USER, tool, {})
        assert outcome.status == "error" and "database" in (outcome.message or ""), outcome
