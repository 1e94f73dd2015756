"""The findings and runs panels, from real watch tool outcomes and from a whole chat turn."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import chainlit
import pytest

from agent.models import build_model
from agent.runtime import build_runtime
from agent.service import Agent
from agent.turn import ToolCallRecord
from core.settings import Settings
from memory import runs
from memory.db import Database
from memory.findings import Observation, Remedy, end_repair, sync_check
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.rules import load_rules
from tools.catalog import build_registry
from tools.checks.base import CheckContext, CheckResult, CheckSet
from tools.deps import ToolDeps
from tools.watch import tools as watch
from ui.chat import render, widgets

USER = CallContext(actor="user:evin")
ELEMENTS = Path(__file__).resolve().parents[3] / "public" / "elements"
NOWHERE = "unix:///nonexistent/docker.sock"  # the router's inventory is not needed here


@pytest.fixture
def watch_gate(database: Database, settings: Settings) -> Gate:
    deps = ToolDeps(settings, db=database)
    return Gate(
        database, build_registry(), PolicyEngine(load_rules(None)), deps, Vault(load_key(settings))
    )


def exited(resource: str = "container:web") -> Observation:
    remedy = Remedy(tool="docker.start_container", args={"name": "web"}, why="it exited")
    return Observation(
        check="containers.exited",
        resource=resource,
        severity="critical",
        summary="exited (code 3)",
        remedy=remedy,
    )


async def outcome(gate: Gate, tool: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await gate.invoke(USER, tool, args or {})
    assert result.status == "ok", result
    return result.model_dump(mode="json")


async def test_findings_panel_from_real_findings(watch_gate: Gate, database: Database) -> None:
    disk = Observation(
        check="host.disk", resource="host:disk:/", severity="warning", summary="91% full"
    )
    await sync_check(database, "host.disk", [disk], run_id=None)
    await sync_check(database, "host.disk", [disk], run_id=None)
    synced = await sync_check(database, "containers.exited", [exited()], run_id=None)
    (web,) = synced.opened
    await end_repair(database, web.id, status="approval_required", approval_id="a-1")

    props = widgets.findings_panel(await outcome(watch_gate, "findings.list"))
    assert props["mode"] == "open" and props["title"] == "Problems" and props["untrusted"]
    assert props["counts"] == {"critical": 1, "warning": 1, "info": 0}
    first, second = props["findings"]
    assert (first["resource"], first["severity_tone"]) == ("container:web", "bad")
    assert first["approval_id"] == "a-1" and first["repair_tone"] == "warn"
    assert first["repair_text"].startswith("I asked you to approve a start")
    assert (second["resource"], second["count"], second["severity_tone"]) == (
        "host:disk:/",
        2,
        "warn",
    )
    assert second["seen_text"].startswith("seen 2 times since") and second["repair_text"] is None

    await sync_check(database, "containers.exited", [], run_id=None)
    closed = widgets.findings_panel(await outcome(watch_gate, "findings.list", {"closed": True}))
    assert closed["mode"] == "closed" and closed["title"] == "Cleared problems"
    assert closed["findings"][0]["closed_text"].startswith("cleared")


async def test_findings_panel_of_a_check_run(
    watch_gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = CheckSet()

    @fake.check("containers.exited", title="Exited", description="d", severity_rule="r")
    async def probe(ctx: CheckContext) -> CheckResult:
        return CheckResult(observations=[exited()])

    monkeypatch.setattr(watch, "all_checks", lambda: list(fake.checks))
    props = widgets.findings_panel(await outcome(watch_gate, "checks.run"))
    assert props["mode"] == "check" and props["title"] == "Check results"
    assert props["run_id"] and props["checks"] == 1 and props["total"] == 1


async def test_runs_panel_from_real_runs(watch_gate: Gate, database: Database) -> None:
    run = await runs.create_run(
        database, kind="remediate", trigger="schedule", actor="agent:autonomous"
    )
    await runs.claim_run(database, run.id, worker="w")
    started = {"tool": "docker.start_container", "resource": "container:web", "status": "ok"}
    await runs.record_progress(database, run.id, findings=[{}], actions=[started])
    await runs.finish_run(database, run.id, status="succeeded", summary="started web")

    props = widgets.runs_panel(await outcome(watch_gate, "runs.list"))
    assert props["total"] == 1 and props["repairs"] == 1 and props["failed"] == 0
    assert props["period_text"] == "last 24 hours"
    (row,) = props["runs"]
    assert (row["kind"], row["trigger"], row["status"], row["status_tone"]) == (
        "remediate",
        "schedule",
        "succeeded",
        "ok",
    )
    assert row["duration_text"] is not None and row["summary"] == "started web"
    assert row["repairs"] == [{"text": "started web", "tone": "ok", "approval_id": None}]
    week = widgets.runs_panel(await outcome(watch_gate, "runs.list", {"since_hours": 168}))
    assert week["period_text"] == "last 7 days"


def test_panels_of_a_failed_read() -> None:
    failed = {"status": "error", "message": "no database", "data": None}
    assert widgets.findings_panel(failed)["findings"] == []
    assert widgets.runs_panel(failed)["runs"] == []


def test_render_maps_the_watch_tools_to_their_panels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainlit, "CustomElement", SimpleNamespace)
    cases = [
        ("findings.list", {"findings": [], "status": "open"}, "FindingsPanel"),
        ("checks.run", {"findings": [], "run_id": "r", "checks": 0}, "FindingsPanel"),
        ("runs.list", {"runs": [], "since_hours": 24}, "RunsPanel"),
    ]
    for tool, data, name in cases:
        record = ToolCallRecord(name=tool, args={}, status="ok", data=data)
        element = render.element_for(record)
        assert element is not None and element.name == name
        assert (ELEMENTS / f"{name}.jsx").is_file()


def test_watch_jsx_carries_the_test_ids() -> None:
    findings = (ELEMENTS / "FindingsPanel.jsx").read_text()
    panel = (ELEMENTS / "RunsPanel.jsx").read_text()
    for snippet in (
        "'finding-row-' + resource",
        "'finding-severity-' + resource",
        "'finding-repair-' + resource",
        "'finding-approval-' + row.resource",
        "'[data-testid=\"approval-card-' + id",
    ):
        assert snippet in findings
    for snippet in ("'run-row-' + id", "'run-status-' + id", 'data-testid="runs-panel"'):
        assert snippet in panel


async def test_whats_wrong_in_chat_answers_from_the_findings_with_the_panel(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chainlit, "CustomElement", SimpleNamespace)
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, docker_host=NOWHERE)
    settings.data_dir.mkdir(exist_ok=True)
    rt = build_runtime(settings)
    try:
        await sync_check(rt.db, "containers.exited", [exited()], run_id=None)
        run = await runs.create_run(rt.db, kind="diagnose", trigger="schedule", actor="a")
        await runs.finish_run(rt.db, run.id, status="succeeded", summary="1 problem")
        async with Agent.open(rt, build_model(rt)) as agent:
            result = await agent.turn("what's wrong?", actor="user:evin")
            assert [(c.name, c.status) for c in result.tool_calls] == [("findings.list", "ok")]
            assert result.reply.startswith("1 problem (1 critical; checks last ran")
            assert "`container:web` — exited (code 3)" in result.reply
            (element,) = render.elements_for(result)
            assert element.name == "FindingsPanel"
            assert element.props["findings"][0]["resource"] == "container:web"

            today = await agent.turn("what did you do today", actor="user:evin")
            assert [c.name for c in today.tool_calls] == ["runs.list"]
            assert today.reply.startswith("In the last 24 hours: 1 run (1 diagnose)")
            assert render.elements_for(today)[0].name == "RunsPanel"
    finally:
        await rt.close()


async def test_dashboard_adds_open_findings_and_pending_approvals(
    watch_gate: Gate, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.chat import dashboard, live

    monkeypatch.setattr(chainlit, "CustomElement", SimpleNamespace)
    monkeypatch.setattr(live, "call_context", lambda: USER)
    state = SimpleNamespace(runtime=SimpleNamespace(gate=watch_gate))
    monkeypatch.setattr(dashboard, "get_state", lambda: state)

    text, elements = await dashboard.attention()
    assert text == "Open problems: none (no check has run yet).\nApprovals waiting: none."
    assert [e.name for e in elements] == ["FindingsPanel"]

    four = [exited(f"container:w{n}") for n in range(4)]
    await sync_check(database, "containers.exited", four, run_id=None)
    asked = await watch_gate.invoke(
        USER, "domains.add", {"fqdn": "app.example.com", "target": "127.0.0.1:8080"}
    )
    assert asked.status == "approval_required"
    text, elements = await dashboard.attention()
    problems, approvals = text.splitlines()
    assert problems.startswith("Open problems: 4 (4 critical; no check has run yet): `container:w")
    assert problems.endswith("; and 1 more.")
    assert approvals == "Approvals waiting: 1: `domains.add` on `domain:app.example.com`."
    assert [e.name for e in elements] == ["FindingsPanel", "ApprovalCard"]
    assert elements[0].props["total"] == 4
    assert elements[1].props["approval_id"] == asked.approval_id


def test_attention_text_when_findings_cannot_be_read() -> None:
    failed = {"status": "error", "message": "no database", "data": None}
    text = widgets.attention_text(failed, [])
    assert text == "Open problems could not be read: no database.\nApprovals waiting: none."
