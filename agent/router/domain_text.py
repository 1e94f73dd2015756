"""Summaries of the domain and certificate tools' results: what was done, progress, verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.router.domain_steps import latest_task, progress, step_lines
from agent.router.format import clean, inline, names, token
from agent.router.format import when as at
from agent.router.types import PlannedCall
from tools.ssl.check import DEFAULT_THRESHOLDS

Data = dict[str, Any]
WARN_DAYS, CRITICAL_DAYS, URGENT_DAYS = DEFAULT_THRESHOLDS
SHOWN_EVENTS = 3
GERUNDS = {
    "domains.list": "listing domains",
    "domains.status": "reading the progress of {fqdn}",
    "domains.health": "checking the health of {fqdn}",
    "domains.add": "registering {fqdn}",
    "domains.provision": "provisioning {fqdn}",
    "domains.deprovision": "deprovisioning {fqdn}",
    "domains.renew_ssl": "renewing the certificate of {fqdn}",
    "ssl.check_certificate": "checking the certificate of {host}",
}


def describe(call: PlannedCall) -> str | None:
    """What a domain call does, as a gerund phrase; None for other tools."""
    template = GERUNDS.get(call.tool)
    if template is None:
        return None
    if call.tool == "domains.health" and "fqdn" not in call.args:
        return "checking the health of every domain"
    fqdn = token(call.args.get("fqdn", "?"))
    return template.format(fqdn=fqdn, host=token(call.args.get("host", "?")))


def _int(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None


def cert_days(row: Mapping[str, Any]) -> int | None:
    """Days left on a domain's certificate, wherever the row keeps them."""
    for key in ("cert_days_left", "days_left"):
        if (days := _int(row.get(key))) is not None:
            return days
    cert = row.get("cert") or row.get("certificate")
    return _int(cert.get("days_left")) if isinstance(cert, Mapping) else None


def cert_expiry(row: Mapping[str, Any]) -> Any:
    """When a domain's certificate expires (ISO text), wherever the row keeps it."""
    for key in ("cert_not_after", "not_after"):
        if row.get(key):
            return row[key]
    cert = row.get("cert") or row.get("certificate")
    return cert.get("not_after") if isinstance(cert, Mapping) else None


def health_class(row: Mapping[str, Any]) -> str | None:
    """The last health verdict of a domain (healthy, degraded, down, ...), if any."""
    for key in ("health_class", "last_health", "classification"):
        if isinstance(row.get(key), str):
            return str(row[key])
    health = row.get("health")
    if isinstance(health, str):
        return health
    if isinstance(health, Mapping):
        for key in ("classification", "class", "status"):
            if isinstance(health.get(key), str):
                return str(health[key])
    return None


def countdown(days: int | None) -> str:
    """ "45 days left", "expires in 5 days — renew soon", "expired 3 days ago"."""
    if days is None:
        return "no certificate yet"
    if days < 0:
        return f"expired {-days} day{'s' if days != -1 else ''} ago"
    if days == 0:
        return "expires today — renew now"
    plural = "s" if days != 1 else ""
    if days <= URGENT_DAYS:
        return f"expires in {days} day{plural} — renew now"
    if days <= CRITICAL_DAYS:
        return f"expires in {days} day{plural} — critical"
    if days <= WARN_DAYS:
        return f"expires in {days} day{plural} — renew soon"
    return f"{days} day{plural} left"


def domains(args: Data, data: Data) -> str:
    """domains.list: counts by status, each domain's target, certificate countdown and health."""
    rows: list[Mapping[str, Any]] = [r for r in data.get("domains") or [] if isinstance(r, Mapping)]
    if not rows:
        return "No domains are configured."
    by_status: dict[str, int] = {}
    for r in rows:
        by_status[str(r.get("status") or "unknown")] = (
            by_status.get(str(r.get("status") or "unknown"), 0) + 1
        )
    counts = ", ".join(f"{n} {token(s)}" for s, n in sorted(by_status.items()))
    lines = [f"{len(rows)} domain{'s' if len(rows) != 1 else ''}: {counts}."]
    urgent = sorted(
        ((d, r) for r in rows if (d := cert_days(r)) is not None and d <= WARN_DAYS),
        key=lambda pair: pair[0],
    )
    if urgent:
        lines.append(
            "Warning: "
            + "; ".join(f"{token(r.get('fqdn'))} {countdown(d)}" for d, r in urgent)
            + "."
        )
    ordered = sorted(rows, key=lambda r: (cert_days(r) is None, cert_days(r) or 0))
    for r in ordered[:30]:
        health = health_class(r)
        tail = f", {token(health)}" if health else ""
        lines.append(
            f"- {token(r.get('fqdn'))} → {token(r.get('target') or '?')}: "
            f"{token(r.get('status') or 'unknown')}, certificate {countdown(cert_days(r))}{tail}"
        )
    if len(ordered) > 30:
        lines.append(f"- and {len(ordered) - 30} more")
    return "\n".join(lines)


def _events(data: Mapping[str, Any], said: object = None) -> list[str]:
    """Recent events, less the failure reports of task `said` (its summary said them)."""
    events = [
        e
        for e in data.get("events") or []
        if isinstance(e, Mapping)
        and not (said is not None and e.get("task_id") == said and e.get("level") != "info")
    ]
    return [
        f"- {at(e.get('at') or e.get('created_at'))} {token(e.get('level') or 'info')}: "
        f"{clean(e.get('message') or '', 200)}"
        for e in events[-SHOWN_EVENTS:]
    ]


def _domain(args: Data, data: Mapping[str, Any]) -> Mapping[str, Any]:
    domain = data.get("domain")
    return domain if isinstance(domain, Mapping) else data


def status(args: Data, data: Data) -> str:
    """domains.status: the domain, its latest task step by step, and recent events."""
    domain = _domain(args, data)
    fqdn = token(domain.get("fqdn") or args.get("fqdn"))
    head = f"{fqdn} → {token(domain.get('target') or '?')} is {token(domain.get('status') or '?')}"
    task = latest_task(data)
    lines = [head + "."]
    if task:
        kind = str(task.get("kind") or "task").replace("_", " ")
        state = token(task.get("status") or "?")
        where = progress(task)
        lines.append(f"Last {kind} task: {state}" + (f", {where}" if where else "") + ".")
        if task.get("summary") or task.get("error"):
            lines.append(clean(task.get("summary") or task["error"], 300))
        lines += step_lines(task)
    else:
        lines.append("No task has run for it.")
    recent = _events(data, said=task.get("id") if task and task.get("summary") else None)
    if recent:
        lines.append("Recent events:")
        lines += recent
    return "\n".join(lines)


def workflow(args: Data, data: Data) -> str:
    """domains.provision / deprovision / renew_ssl: what was done, step by step."""
    task = latest_task(data)
    domain = _domain(args, data)
    fqdn = token(domain.get("fqdn") or args.get("fqdn"))
    kind = str(task.get("kind") or data.get("kind") or "provision")
    state = str(task.get("status") or data.get("status") or "")
    verbs = {
        "provision": ("Provisioned", "Provisioning"),
        "deprovision": ("Deprovisioned", "Deprovisioning"),
        "renew_ssl": ("Renewed the certificate of", "Renewing the certificate of"),
    }
    done, doing = verbs.get(kind, ("Done:", "Working on"))
    target = domain.get("target") or args.get("target")
    to = f" → {token(target)}" if target and kind == "provision" else ""
    if state in ("succeeded", "done", "ok", ""):
        head = f"{done} {fqdn}{to}."
    elif state in ("failed", "rolled_back") and task.get("summary"):
        head = clean(task["summary"], 300)
    elif state in ("failed", "rolled_back"):
        rolled = " and rolled back" if state == "rolled_back" else ""
        error = f": {inline(task.get('error'), 300)}" if task.get("error") else ""
        head = f"{doing} {fqdn}{to} failed{rolled}{error}"
    else:
        where = progress(task)
        head = f"{doing} {fqdn}{to}: {token(state)}" + (f", {where}" if where else "") + "."
    lines = [head, *step_lines(task)]
    cert = data.get("cert") or data.get("certificate")
    if isinstance(cert, Mapping) and cert.get("not_after"):
        lines.append(
            f"Certificate valid until {at(cert['not_after'])} ({countdown(cert_days(cert))})."
        )
    return "\n".join(lines)


def added(args: Data, data: Data) -> str:
    """domains.add: registered, not yet provisioned."""
    domain = _domain(args, data)
    fqdn = token(domain.get("fqdn") or args.get("fqdn"))
    target = token(domain.get("target") or args.get("target"))
    return (
        f"Registered {fqdn} → {target} (status {token(domain.get('status') or 'pending')}); "
        f"nothing is published until you provision it."
    )


def _report_line(report: Mapping[str, Any]) -> str:
    verdict = str(report.get("classification") or report.get("class") or "unknown")
    fqdn = token(report.get("domain") or report.get("fqdn") or "?")
    facts = []
    https = report.get("https")
    latency = report.get("latency_ms")
    if latency is None and isinstance(https, Mapping):
        latency = https.get("latency_ms")
    if isinstance(latency, int | float):
        facts.append(f"{latency:.0f} ms")
    if isinstance(https, Mapping) and https.get("status_code"):
        facts.append(f"HTTP {https['status_code']}")
    cert = report.get("certificate") or report.get("cert")
    days = _int(report.get("cert_days_left"))
    if days is None and isinstance(cert, Mapping):
        days = _int(cert.get("days_left"))
    if days is not None:
        facts.append(f"certificate {countdown(days)}")
    text = f"{fqdn} is {token(verdict.replace('_', ' '))}"
    if facts:
        text += f" ({', '.join(facts)})"
    reasons = [clean(r, 200) for r in report.get("reasons") or []][:5]
    if reasons and verdict != "healthy":
        text += ": " + "; ".join(reasons)
    return text + "."


def health(args: Data, data: Data) -> str:
    """domains.health: the verdict per domain with its reasons, latency and certificate."""
    reports = [r for r in data.get("reports") or [] if isinstance(r, Mapping)]
    if not reports and ("classification" in data or "domain" in data):
        reports = [data]
    if not reports:
        return "No domains to check."
    if len(reports) == 1:
        return _report_line(reports[0])
    bad = [r for r in reports if (r.get("classification") or "healthy") != "healthy"]
    head = f"{len(reports)} domains checked: {len(reports) - len(bad)} healthy"
    if not bad:
        return head + "."
    head += f", {len(bad)} not: " + names(r.get("domain") or r.get("fqdn") for r in bad) + "."
    return "\n".join([head, *(f"- {_report_line(r)}" for r in bad)])


def certificate(args: Data, data: Data) -> str:
    """ssl.check_certificate: verdict, expiry countdown, issuer, names, chain and name match."""
    host = token(data.get("server_name") or args.get("server_name") or args.get("host"))
    port = data.get("port") or args.get("port") or 443
    where = host if port == 443 else f"{host} port {port}"
    if data.get("error"):
        return f"Could not read the certificate of {where}: {inline(data['error'], 300)}"
    verdict = str(data.get("status") or "unknown")
    days = _int(data.get("days_left"))
    lines = [
        f"Certificate of {where}: {token(verdict)}, valid until {at(data.get('not_after'))} "
        f"({countdown(days)})."
    ]
    issued = f"Issued by {inline(data.get('issuer') or '?', 120)}"
    shown = data.get("names") or []
    if shown:
        issued += f" for {names(shown, 6)}"
    if data.get("serial"):
        issued += f", serial {token(data['serial'])}"
    lines.append(issued + ".")
    checks = [
        "chain verified" if data.get("chain_verified") else "chain NOT verified",
        "name matches" if data.get("name_matches") else "name does NOT match",
    ]
    text = "; ".join(checks)
    if data.get("verify_error"):
        text += f" ({clean(data['verify_error'], 200)})"
    lines.append(text[:1].upper() + text[1:] + ".")
    return "\n".join(lines)


SUMMARIES = {
    "domains.list": domains,
    "domains.status": status,
    "domains.health": health,
    "domains.add": added,
    "domains.provision": workflow,
    "domains.deprovision": workflow,
    "domains.renew_ssl": workflow,
    "ssl.check_certificate": certificate,
}
EMPTY = {
    "domains.list": lambda a, d: "No domains are configured.",
    "domains.health": lambda a, d: "No domains to check.",
}
