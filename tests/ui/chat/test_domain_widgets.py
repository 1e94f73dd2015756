"""Domain widget props from the domain and certificate tools' own result models."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from agent.router import PlannedCall, render_reply
from agent.turn import ToolCallRecord
from memory.domain_models import DomainStatus
from policies.outcome import Invocation, ToolOutcome
from tools.domains.views import (
    DomainList,
    DomainStatusResult,
    DomainView,
    EventView,
    HealthResult,
    StepView,
    TaskOutcome,
    TaskView,
)
from tools.netcheck.health import CertificateCheck, HealthReport, HttpsCheck
from tools.registry import ToolResult
from tools.ssl.check import CertificateResult
from ui.chat import render, widgets

ROOT = Path(__file__).resolve().parents[3]
ELEMENTS = ROOT / "public" / "elements"
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
TONES = {"ok", "warn", "bad", "neutral"}
DONE = ("detect_ip", "dns_record", "propagation", "caddy_route", "caddy_apply")


def outcome(
    tool: str, data: ToolResult | None, args: dict[str, Any] | None = None, status: str = "ok"
) -> dict[str, Any]:
    """A tool outcome as the widgets get it (`ToolOutcome.model_dump(mode="json")`)."""
    return ToolOutcome(
        status=status,  # type: ignore[arg-type]
        invocation=Invocation(tool=tool, args=args or {}, actor="user:evin", resource="x"),
        data=data.model_dump(mode="json") if data is not None else None,
    ).model_dump(mode="json")


def domain(fqdn: str, days: int | None, health: str | None, status: str = "active") -> DomainView:
    """One row of domains.list, as the workflow leaves it."""
    cert = None
    if days is not None:
        cert = {
            "serial": "0A1B",
            "issuer": "R11",
            "names": [fqdn],
            "not_after": (NOW + timedelta(days=days)).isoformat(),
            "days_left": days,
            "status": "ok",
        }
    return DomainView(
        fqdn=fqdn, zone="evindrake.net", target="plex:32400", provider="zoneedit",
        records={"A": ["203.0.113.7"]}, status=DomainStatus(status), cert=cert,
        health={"classification": health, "reasons": []} if health else None, checked_at=NOW,
    )  # fmt: skip


def task(status: str, current: str | None, error: str | None = None) -> TaskView:
    """A provision task with the first five steps done."""
    steps = [StepView(name=n, done=True, at=NOW.isoformat(), record={"ip": "203.0.113.7"})
             for n in DONE]  # fmt: skip
    return TaskView(
        id=7, kind="provision", status=status, current_step=current, attempts=1, steps=steps,
        error=error, created_at=NOW,
    )  # fmt: skip


def status_result(t: TaskView) -> DomainStatusResult:
    """domains.status' result for plex.evindrake.net."""
    return DomainStatusResult(
        domain=domain("plex.evindrake.net", None, None, "provisioning"),
        tasks=[t],
        events=[
            EventView(at=NOW, category="dns", level="info", message="public IP is 203.0.113.7",
                      task_id=7),
        ],
    )  # fmt: skip


def certificate(days: int = 45, **changes: Any) -> CertificateResult:
    """ssl.check_certificate's result for a trusted certificate."""
    values: dict[str, Any] = dict(
        host="plex.evindrake.net", port=443, server_name="plex.evindrake.net", status="ok",
        not_before=NOW - timedelta(days=45), not_after=NOW + timedelta(days=days),
        days_left=days, issuer="R11", subject="plex.evindrake.net",
        names=["plex.evindrake.net"], serial="4F3A9C", chain_verified=True, name_matches=True,
        tls_version="TLSv1.3",
    )  # fmt: skip
    values.update(changes)
    return CertificateResult(**values)


def test_domain_table_orders_by_expiry_and_colours_the_countdown() -> None:
    listing = DomainList(
        domains=[
            domain("plex.evindrake.net", 60, "healthy"),
            domain("n8n.evindrake.net", 5, "down"),
            domain("new.evindrake.net", None, None, "provisioning"),
            domain("ha.evindrake.net", 15, "degraded"),
            domain("old.evindrake.net", 1, "cert_invalid"),
        ]
    )
    props = widgets.domain_table(outcome("domains.list", listing))
    json.dumps(props)
    rows = {r["fqdn"]: r for r in props["domains"]}
    assert [r["fqdn"] for r in props["domains"]][:4] == [
        "old.evindrake.net",
        "n8n.evindrake.net",
        "ha.evindrake.net",
        "plex.evindrake.net",
    ]
    plex, n8n, ha, old = (rows[f"{n}.evindrake.net"] for n in ("plex", "n8n", "ha", "old"))
    assert (plex["cert_tone"], plex["cert_level"], plex["cert_text"]) == (
        "ok",
        "ok",
        "60 days left",
    )
    assert (ha["cert_tone"], ha["cert_level"]) == ("warn", "warning")
    assert (n8n["cert_tone"], n8n["cert_level"]) == ("bad", "critical")
    assert (old["cert_tone"], old["cert_level"]) == ("bad", "urgent")
    assert "renew now" in old["cert_text"]
    assert (plex["health"], plex["health_tone"]) == ("healthy", "ok")
    assert (n8n["health_tone"], ha["health_tone"], old["health_tone"]) == ("bad", "warn", "bad")
    assert plex["status_tone"] == "ok" and rows["new.evindrake.net"]["cert_tone"] == "neutral"
    assert plex["target"] == "plex:32400" and plex["cert_not_after"]
    assert plex["buttons"] == ["health", "renew"]
    assert (props["total"], props["active"], props["expiring"], props["unhealthy"]) == (5, 4, 3, 2)
    assert props["action"] == widgets.ACTION_TOOL
    assert props["tools"] == {"health": "domains.health", "renew": "domains.renew_ssl"}
    assert all(r["status_tone"] in TONES and r["cert_tone"] in TONES for r in rows.values())


def test_provisioning_progress_highlights_the_running_step() -> None:
    props = widgets.provisioning_progress(
        outcome("domains.status", status_result(task("running", "certificate")),
                {"fqdn": "plex.evindrake.net"})
    )  # fmt: skip
    json.dumps(props)
    steps = props["steps"]
    assert len(steps) == 8 and [s["status"] for s in steps] == ["done"] * 5 + [
        "running",
        "pending",
        "pending",
    ]
    assert steps[5]["current"] and not any(s["current"] for s in steps[:5] + steps[6:])
    assert props["current_step"] == "certificate" and steps[5]["label"] == "Certificate"
    assert (props["running"], props["done"], props["task_tone"]) == (True, 5, "warn")
    assert props["fqdn"] == "plex.evindrake.net" and props["target"] == "plex:32400"
    assert steps[0]["message"] == "ip 203.0.113.7"
    assert props["events"][0]["message"] == "public IP is 203.0.113.7"
    assert props["action"] == widgets.ACTION_DOMAIN_STATUS and props["poll_seconds"] == 2
    assert props["outcome_text"] is None


def test_provisioning_progress_of_a_failed_provision() -> None:
    error = (
        "provisioning plex.evindrake.net failed at step 6 (certificate): no trusted certificate "
        "within 300 s (last ACME error: urn:ietf:params:acme:error:dns); rolled back: Caddy "
        "config restored from snapshot 12; A record deleted"
    )
    summary = (
        "Provisioning plex.evindrake.net failed at step 6 (certificate) and was rolled back: "
        "no trusted certificate within 300 s."
    )
    failed_task = task("rolled_back", "certificate", error).model_copy(update={"summary": summary})
    failed = TaskOutcome(
        fqdn="plex.evindrake.net", task=failed_task, succeeded=False, message=summary
    )
    props = widgets.provisioning_progress(
        outcome("domains.provision", failed, {"fqdn": "plex.evindrake.net", "target": "plex:32400"})
    )
    steps = {s["name"]: s for s in props["steps"]}
    assert steps["certificate"]["status"] == "failed" and steps["certificate"]["current"]
    # Said once: one sentence as the outcome, the full error kept for the folded details.
    assert steps["certificate"]["message"] is None
    assert props["outcome_text"] == summary and props["error"] == error
    assert steps["detect_ip"]["status"] == "rolled_back" and steps["https"]["status"] == "pending"
    assert props["running"] is False and props["task_tone"] == "bad"
    assert props["target"] == "plex:32400"

    # An older task without a summary still says what happened.
    old = task("rolled_back", "certificate", "no trusted certificate within 300 s")
    legacy = widgets.provisioning_progress(
        outcome("domains.provision", TaskOutcome(fqdn="plex.evindrake.net", task=old,
                succeeded=False, message="x"), {"fqdn": "plex.evindrake.net"})
    )  # fmt: skip
    assert legacy["outcome_text"] == "Failed and rolled back: no trusted certificate within 300 s"


def test_certificate_card() -> None:
    props = widgets.certificate_card(
        outcome("ssl.check_certificate", certificate(5), {"host": "plex.evindrake.net"})
    )
    json.dumps(props)
    assert (props["verdict"], props["days_left"], props["cert_tone"]) == ("ok", 5, "bad")
    assert props["countdown"] == "expires in 5 days — critical"
    assert props["issuer"] == "R11" and props["serial"] == "4F3A9C"
    assert props["names"] == ["plex.evindrake.net"] and props["not_after"]
    assert props["chain_verified"] and props["name_matches"] and props["port"] == 443
    broken = widgets.certificate_card(
        outcome(
            "ssl.check_certificate",
            CertificateResult(
                host="n8n.evindrake.net",
                port=443,
                server_name="n8n.evindrake.net",
                status="invalid",
                error="connection refused",
            ),
        )
    )
    assert (broken["verdict"], broken["verdict_tone"], broken["error"]) == (
        "invalid",
        "bad",
        "connection refused",
    )
    assert broken["countdown"] is None and broken["cert_level"] == "none"


def report(fqdn: str, verdict: str, reasons: list[str]) -> HealthReport:
    """One health report."""
    return HealthReport(
        domain=fqdn, address=None, port=443, classification=verdict,  # type: ignore[arg-type]
        reasons=reasons, dns=None,
        https=HttpsCheck(classification=None, detail="200 OK", status_code=502, latency_ms=84.0),
        certificate=CertificateCheck(classification="healthy", detail="ok", days_left=40.0),
        duration_ms=90.0,
    )  # fmt: skip


def test_domain_buttons_and_their_replies() -> None:
    ok = widgets.ToolActionPayload.model_validate(
        {"tool": "domains.renew_ssl", "args": {"fqdn": "Plex.Evindrake.NET."}}
    )
    assert ok.args == {"fqdn": "plex.evindrake.net"}
    for bad in (
        {"tool": "domains.deprovision", "args": {"fqdn": "plex.evindrake.net"}},
        {"tool": "domains.health", "args": {"name": "plex"}},
        {"tool": "domains.health", "args": {"fqdn": "plex.evindrake.net", "x": 1}},
        {"tool": "domains.health", "args": {"fqdn": "not a domain"}},
        {"tool": "docker.stop_container", "args": {"fqdn": "plex.evindrake.net"}},
    ):
        with pytest.raises(ValidationError):
            widgets.ToolActionPayload.model_validate(bad)
    assert widgets.DomainStatusPayload.model_validate({"fqdn": "a.example.com"}).fqdn
    with pytest.raises(ValidationError):
        widgets.DomainStatusPayload.model_validate({"fqdn": "../etc"})

    down = HealthResult(reports=[report("n8n.evindrake.net", "down", ["HTTPS answered 502"])])
    reply = widgets.tool_reply(outcome("domains.health", down, {"fqdn": "n8n.evindrake.net"}))
    assert reply["text"] == "down: HTTPS answered 502" and reply["health_tone"] == "bad"
    waiting = widgets.tool_reply(
        outcome("domains.renew_ssl", None, {"fqdn": "a.example.com"}, "approval_required")
    )
    assert waiting["text"] == "needs approval — see the card below"


def test_render_maps_the_domain_tools_to_their_widgets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render.cl, "CustomElement", SimpleNamespace)
    cases = [
        (
            "domains.list",
            DomainList(domains=[domain("a.example.com", 30, "healthy")]),
            "DomainTable",
        ),
        ("domains.status", status_result(task("running", "https")), "ProvisioningProgress"),
        ("ssl.check_certificate", certificate(), "CertificateCard"),
    ]
    for tool, data, name in cases:
        record = ToolCallRecord(
            name=tool,
            args={"fqdn": "a.example.com"},
            status="ok",
            data=data.model_dump(mode="json"),
        )
        element = render.element_for(record)
        assert element is not None and element.name == name and element.props["status"] == "ok"
        assert (ELEMENTS / f"{name}.jsx").is_file()


def test_domain_jsx_calls_the_actions_and_carries_the_test_ids() -> None:
    table = (ELEMENTS / "DomainTable.jsx").read_text()
    progress = (ELEMENTS / "ProvisioningProgress.jsx").read_text()
    card = (ELEMENTS / "CertificateCard.jsx").read_text()
    assert f"'{widgets.ACTION_TOOL}'" in table
    for tool in widgets.DOMAIN_BUTTON_TOOLS.values():
        assert f"'{tool}'" in table
    assert "args: { fqdn }" in table
    for snippet in ("'domain-row-' + fqdn", "key + '-' + fqdn", "'domain-cert-' + fqdn"):
        assert snippet in table
    assert f"'{widgets.ACTION_DOMAIN_STATUS}'" in progress
    assert "clearInterval(timer)" in progress and "'step-' + step.name" in progress
    for test_id in ("certificate-countdown", "certificate-chain", "certificate-name"):
        assert f'testId="{test_id}"' in card


def test_replies_for_the_domain_tools() -> None:
    def reply(tool: str, data: ToolResult, **args: Any) -> str:
        return render_reply([(PlannedCall(tool=tool, args=args), outcome(tool, data, args))])

    listing = DomainList(
        domains=[
            domain("plex.evindrake.net", 60, "healthy"),
            domain("n8n.evindrake.net", 5, "down"),
        ]
    )
    text = reply("domains.list", listing)
    assert text.startswith("2 domains: 2 active.")
    assert "Warning: n8n.evindrake.net expires in 5 days — critical." in text
    assert "plex.evindrake.net → plex:32400: active, certificate 60 days left, healthy" in text

    progress = reply(
        "domains.status", status_result(task("running", "certificate")), fqdn="plex.evindrake.net"
    )
    assert "Last provision task: running, 5 of 8 steps done, at certificate." in progress
    assert "✓ dns record (done)" in progress and "… certificate (running)" in progress

    failed = TaskOutcome(
        fqdn="plex.evindrake.net", task=task("failed", "certificate", "no certificate"),
        succeeded=False, message="no certificate",
    )  # fmt: skip
    text = reply("domains.provision", failed, fqdn="plex.evindrake.net", target="plex:32400")
    assert text.startswith("Provisioning plex.evindrake.net → plex:32400 failed: `no certificate`")
    assert "✗ certificate (failed)" in text

    health = HealthResult(reports=[report("n8n.evindrake.net", "down", ["HTTPS answered 502"])])
    assert reply("domains.health", health, fqdn="n8n.evindrake.net") == (
        "n8n.evindrake.net is down (84 ms, HTTP 502, certificate 40 days left): HTTPS answered 502."
    )
    cert = reply("ssl.check_certificate", certificate(20), host="plex.evindrake.net")
    assert "Certificate of plex.evindrake.net: ok" in cert
    assert "expires in 20 days — renew soon" in cert and "Chain verified; name matches." in cert
