"""Props of the domain table, the provisioning progress and the certificate card."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.router.domain_steps import latest_task, steps_of
from agent.router.domain_text import (
    CRITICAL_DAYS,
    URGENT_DAYS,
    WARN_DAYS,
    cert_days,
    cert_expiry,
    countdown,
    health_class,
)
from ui.chat.widgets.base import (
    ACTION_DOMAIN_STATUS,
    ACTION_TOOL,
    DOMAIN_BUTTON_TOOLS,
    Tone,
    clip,
    number,
    outcome_data,
    outcome_head,
)

MAX_DOMAINS = 500
MAX_EVENTS = 8
POLL_SECONDS = 2
STEP_LABELS = {
    "caddy_remove": "Remove Caddy route",
    "dns_delete": "Delete DNS record",
    "mark_removed": "Mark removed",
    "renew": "Renew certificate",
    "record_cert": "Record certificate",
    "detect_ip": "Public IP",
    "dns_record": "DNS record",
    "propagation": "DNS propagation",
    "caddy_route": "Caddy route",
    "caddy_apply": "Apply Caddy config",
    "certificate": "Certificate",
    "https": "HTTPS check",
    "activate": "Activate",
}
_STATUS_TONE: dict[str, Tone] = {
    "active": "ok",
    "pending": "neutral",
    "provisioning": "warn",
    "deprovisioning": "warn",
    "failed": "bad",
    "removed": "neutral",
}
_HEALTH_TONE: dict[str, Tone] = {
    "healthy": "ok",
    "degraded": "warn",
    "down": "bad",
    "cert_invalid": "bad",
    "dns_mismatch": "bad",
}
_STEP_TONE: dict[str, Tone] = {
    "done": "ok",
    "succeeded": "ok",
    "skipped": "neutral",
    "running": "warn",
    "pending": "neutral",
    "failed": "bad",
    "rolled_back": "bad",
}
_TASK_TONE: dict[str, Tone] = {
    "succeeded": "ok",
    "running": "warn",
    "pending": "neutral",
    "failed": "bad",
    "rolled_back": "bad",
}
_CERT_TONE: dict[str, Tone] = {"ok": "ok", "warning": "warn", "critical": "bad", "expired": "bad"}
RUNNING = frozenset({"pending", "running"})


def cert_level(days: int | None) -> str:
    """How urgent a certificate is: none, ok, warning (21 d), critical (7 d), urgent, expired."""
    if days is None:
        return "none"
    if days < 0:
        return "expired"
    if days <= URGENT_DAYS:
        return "urgent"
    if days <= CRITICAL_DAYS:
        return "critical"
    return "warning" if days <= WARN_DAYS else "ok"


def cert_tone(days: int | None) -> Tone:
    """The colour of a certificate countdown (7 days or fewer, or expired: bad)."""
    level = cert_level(days)
    if level == "none":
        return "neutral"
    return "ok" if level == "ok" else "warn" if level == "warning" else "bad"


def _text(value: Any, limit: int = 500) -> str | None:
    return None if value is None else clip(str(value), limit)


def _days(value: Any) -> int | None:
    found = number(value)
    return None if found is None else int(found)


def _domain_row(row: Mapping[str, Any]) -> dict[str, Any]:
    status = str(row.get("status") or "unknown")
    health = health_class(row)
    days = cert_days(row)
    fqdn = str(row.get("fqdn") or "")
    return {
        "fqdn": fqdn,
        "target": str(row.get("target") or ""),
        "status": status,
        "status_tone": _STATUS_TONE.get(status, "neutral"),
        "health": health,
        "health_tone": _HEALTH_TONE.get(health or "", "neutral"),
        "cert_days_left": days,
        "cert_not_after": _text(cert_expiry(row), 64),
        "cert_level": cert_level(days),
        "cert_tone": cert_tone(days),
        "cert_text": countdown(days),
        "buttons": list(DOMAIN_BUTTON_TOOLS) if status != "removed" else [],
    }


def domain_table(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """DomainTable props from a `domains.list` outcome."""
    found = [r for r in outcome_data(outcome).get("domains") or [] if isinstance(r, Mapping)]
    rows = [_domain_row(r) for r in found]
    rows.sort(key=lambda r: (r["cert_days_left"] is None, r["cert_days_left"] or 0, r["fqdn"]))
    return {
        **outcome_head(outcome),
        "domains": rows[:MAX_DOMAINS],
        "total": len(rows),
        "active": sum(1 for r in rows if r["status"] == "active"),
        "expiring": sum(1 for r in rows if r["cert_level"] != "ok" and r["cert_level"] != "none"),
        "unhealthy": sum(1 for r in rows if r["health_tone"] == "bad"),
        "thresholds": [WARN_DAYS, CRITICAL_DAYS, URGENT_DAYS],
        "action": ACTION_TOOL,
        "tools": dict(DOMAIN_BUTTON_TOOLS),
    }


def _steps(task: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = [
        {
            "name": step["name"],
            "label": STEP_LABELS.get(step["name"], step["name"].replace("_", " ").capitalize()),
            "status": step["status"],
            "tone": _STEP_TONE.get(step["status"], "neutral"),
            "message": _text(step["message"]),
            "current": False,
        }
        for step in steps_of(task)
    ]
    index = next((i for i, s in enumerate(out) if s["status"] in ("running", "failed")), None)
    if index is None and str(task.get("status") or "") in RUNNING:
        index = next((i for i, s in enumerate(out) if s["status"] == "pending"), None)
    if index is not None:
        out[index]["current"] = True
    return out


def _events(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    events = [e for e in data.get("events") or [] if isinstance(e, Mapping)]
    return [
        {
            "at": _text(e.get("at") or e.get("created_at"), 64),
            "level": str(e.get("level") or "info"),
            "category": _text(e.get("category"), 40),
            "message": _text(e.get("message")),
        }
        for e in events[-MAX_EVENTS:]
    ]


def _outcome_text(kind: str, status: str, error: str | None, summary: str | None) -> str | None:
    if status == "succeeded":
        return {"deprovision": "Removed", "renew_ssl": "Certificate renewed"}.get(kind, "Live")
    if summary and status in ("rolled_back", "failed"):
        return summary  # one sentence; the full error is folded under it
    if status == "rolled_back":
        return "Failed and rolled back" + (f": {error}" if error else "")
    if status == "failed":
        return "Failed" + (f": {error}" if error else "")
    return None


def provisioning_progress(outcome: Mapping[str, Any], fqdn: str = "") -> dict[str, Any]:
    """ProvisioningProgress props from a `domains.status` or `domains.provision` outcome."""
    data = outcome_data(outcome)
    nested = data.get("domain")
    domain: Mapping[str, Any] = nested if isinstance(nested, Mapping) else data
    task = latest_task(data)
    args = (outcome.get("invocation") or {}).get("args") or {}
    status = str(task.get("status") or "")
    kind = str(task.get("kind") or "provision")
    error = _text(task.get("error"))
    steps = _steps(task)
    current = next((s["name"] for s in steps if s["current"]), None)
    return {
        **outcome_head(outcome),
        "fqdn": str(domain.get("fqdn") or args.get("fqdn") or fqdn),
        "target": _text(domain.get("target") or args.get("target"), 500),
        "domain_status": _text(domain.get("status"), 40),
        "kind": kind,
        "task_status": status or None,
        "task_tone": _TASK_TONE.get(status, "neutral"),
        "running": status in RUNNING,
        "steps": steps,
        "done": sum(1 for s in steps if s["status"] in ("done", "succeeded", "skipped")),
        "current_step": current,
        "error": error,
        "outcome_text": _outcome_text(kind, status, error, _text(task.get("summary"))),
        "events": _events(data),
        "action": ACTION_DOMAIN_STATUS,
        "poll_seconds": POLL_SECONDS,
    }


def certificate_card(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """CertificateCard props from an `ssl.check_certificate` outcome."""
    data = outcome_data(outcome)
    args = (outcome.get("invocation") or {}).get("args") or {}
    verdict = str(data.get("status") or "invalid") if data else None
    days = _days(data.get("days_left"))
    tone: Tone = _CERT_TONE.get(verdict or "", "bad" if data else "neutral")
    return {
        **outcome_head(outcome),
        "host": str(data.get("host") or args.get("host") or ""),
        "port": int(number(data.get("port") or args.get("port")) or 443),
        "server_name": _text(data.get("server_name") or args.get("server_name"), 253),
        "verdict": verdict,
        "verdict_tone": tone,
        "error": _text(data.get("error")),
        "not_before": _text(data.get("not_before"), 64),
        "not_after": _text(data.get("not_after"), 64),
        "days_left": days,
        "cert_level": cert_level(days) if not data.get("error") else "none",
        "cert_tone": cert_tone(days),
        "countdown": countdown(days) if days is not None else None,
        "issuer": _text(data.get("issuer")),
        "subject": _text(data.get("subject")),
        "names": [str(n)[:253] for n in (data.get("names") or [])[:50]],
        "serial": _text(data.get("serial"), 128),
        "chain_verified": bool(data.get("chain_verified")),
        "verify_error": _text(data.get("verify_error")),
        "name_matches": bool(data.get("name_matches")),
        "tls_version": _text(data.get("tls_version"), 32),
    }


def domain_tool_reply(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """What a domain row button shows after its `jarvis_tool` call (Check health, Renew)."""
    status = str(outcome.get("status") or "error")
    tool = str((outcome.get("invocation") or {}).get("tool") or "")
    data = outcome_data(outcome)
    reply: dict[str, Any] = {"status": status, "approval_id": outcome.get("approval_id")}
    if status == "approval_required":
        text = "needs approval — see the card below"
    elif status == "denied":
        text = f"denied: {outcome.get('reason') or outcome.get('message') or 'by policy'}"
    elif status == "error":
        text = f"failed: {outcome.get('message') or 'unknown error'}"
    elif tool == "domains.health":
        reports = [r for r in data.get("reports") or [] if isinstance(r, Mapping)] or [data]
        verdict = health_class(reports[0]) or "unknown"
        reasons = [str(r) for r in reports[0].get("reasons") or []][:2]
        text = verdict.replace("_", " ") + (": " + "; ".join(reasons) if reasons else "")
        reply["health"] = verdict
        reply["health_tone"] = _HEALTH_TONE.get(verdict, "neutral")
    else:
        task = latest_task(data)
        state = str(task.get("status") or "")
        text = {"running": "renewing…", "pending": "renewal queued"}.get(state, "renewed")
        if state in ("failed", "rolled_back"):
            text = f"renewal failed: {task.get('error') or state}"
        days = cert_days(data) if data else None
        if days is not None:
            reply.update(cert_days_left=days, cert_tone=cert_tone(days), cert_text=countdown(days))
    reply["text"] = clip(text, 300)
    return reply
