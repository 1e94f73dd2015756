"""Provisioning a domain end to end, durably: DNS, propagation, Caddy route, certificate, HTTPS.

Every step is recorded done (with what it changed) in the same transaction as its event, so
a run that died is resumed from the step it was in; each step is idempotent when redone. A
failure undoes what this task changed: the Caddy config goes back to the snapshot taken
before the change, and the A record to its previous values (or away, if this task made it).
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from datetime import timedelta

from pydantic import ValidationError

from core.errors import BadInput, Conflict
from core.fqdn import normalise_fqdn
from memory.db import Database
from memory.domain_models import DomainStatus, EventCategory, TaskKind, TaskStatus
from memory.domains import (
    DomainChanges,
    NewDomain,
    Task,
    create_domain,
    create_task,
    find_domain,
    get_task,
    list_tasks,
    update_domain,
)
from memory.models import utcnow
from tools.caddy.desired import ManagedSite, render_diff
from tools.caddy.snapshots import apply
from tools.dns.base import zone_for
from tools.dns.propagation import wait_for
from tools.netcheck.health import HealthTarget, check_health
from tools.ssl.check import check_certificate
from tools.workflows.caddy_sites import desired_with, find_route
from tools.workflows.domain_env import DomainEnv
from tools.workflows.maintenance import DEPROVISION, RENEW, cert_info, deprovision, renew_ssl
from tools.workflows.runner import Flow, OnEvent, Run, StepFailed, drive, reason_of
from tools.workflows.steps import PROVISION_STEPS

__all__ = [
    "STEPS",
    "DomainEnv",
    "deprovision",
    "provision",
    "renew_ssl",
    "resume",
    "resume_unfinished",
]

STEPS = PROVISION_STEPS
POLL_SECONDS = 0.25


def _ip(run: Run) -> str:
    return str(run.task.step_record("detect_ip")["ip"])


async def _detect_ip(run: Run) -> None:
    address = await run.env.public_ip()
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        raise StepFailed(f"the public IP {address!r} is not an address") from None
    if parsed.version != 4:
        raise StepFailed(f"the public IP {address} is not an IPv4 address (A record)")
    await run.done("detect_ip", {"ip": str(parsed)}, EventCategory.DNS, f"public IP is {parsed}")


async def _dns_record(run: Run) -> None:
    provider, ip = run.env.provider, _ip(run)
    if provider is None:
        await run.done(
            "dns_record", {"skipped": True}, EventCategory.DNS, "DNS is not managed here"
        )
        return
    intent = run.intent("dns_record")
    if intent is None:
        # Written before the change: if we die after it, the resumed run still knows
        # whether the record existed before this task.
        intent = {"previous": await provider.get_records(run.fqdn, "A")}
        await run.write_intent("dns_record", intent)
    previous = list(intent["previous"])
    change = await provider.ensure_record(run.fqdn, "A", [ip], run.env.settings.record_ttl)
    record = {
        "rtype": "A",
        "values": [ip],
        "previous": previous,
        "created": not previous,
        "changed": change.changed,
    }
    what = "created" if not previous else ("updated" if change.changed else "already right")
    await run.done(
        "dns_record",
        record,
        EventCategory.DNS,
        f"A record {run.fqdn} -> {ip} {what} at {provider.name}",
        data=record,
    )


async def _propagation(run: Run) -> None:
    servers = run.env.authoritative() + run.env.resolvers()
    if run.env.provider is None or not servers:
        await run.done(
            "propagation", {"skipped": True}, EventCategory.PROPAGATION, "no servers to ask"
        )
        return
    report = await wait_for(
        run.fqdn,
        "A",
        [_ip(run)],
        servers,
        run.env.settings.propagation_deadline_seconds,
        first_delay=0.5,
    )
    if not report.done:
        raise StepFailed(
            f"DNS did not propagate within {run.env.settings.propagation_deadline_seconds:g} s:"
            f" {report.summary()}"
        )
    record = {
        "servers": [a.server.label for a in report.answers],
        "attempts": report.attempts,
        "seconds": round(report.elapsed_seconds, 3),
    }
    await run.done("propagation", record, EventCategory.PROPAGATION, report.summary(), record)


async def _caddy_route(run: Run) -> None:
    live, _ = await run.env.caddy.get_config()
    desired = desired_with(run.env, live, run.fqdn, run.domain.target)
    before, after = find_route(live, run.fqdn), find_route(desired, run.fqdn)
    diff = render_diff(before or {}, after)
    record = {"route": after, "previous_route": before, "was_managed": before is not None}
    message = "Caddy route generated" + ("" if diff else " (already live)")
    await run.done(
        "caddy_route", record, EventCategory.CADDY, message, {"route": after, "diff": diff}
    )


async def _caddy_apply(run: Run) -> None:
    env = run.env
    snapshot = run.intent("caddy_snapshot")
    if snapshot is None:
        taken = await env.snapshots.take(env.caddy, f"before provisioning {run.fqdn}")
        snapshot = taken.name
        await run.write_intent("caddy_snapshot", snapshot)
    live, _ = await env.caddy.get_config()
    desired = desired_with(env, live, run.fqdn, run.domain.target)
    changed = live != desired
    if changed:
        # Validated by Caddy (an invalid config is refused and the snapshot restored).
        await apply(env.caddy, desired, env.snapshots, f"provision {run.fqdn}")
    record = {"snapshot": snapshot, "changed": changed}
    message = f"Caddy config loaded (snapshot {snapshot})" if changed else "Caddy already live"
    await run.done("caddy_apply", record, EventCategory.CADDY, message, record)


async def _certificate(run: Run) -> None:
    settings = run.env.settings
    bundle = str(settings.ca_bundle) if settings.ca_bundle else None
    until = time.monotonic() + settings.cert_deadline_seconds
    while True:
        result = await asyncio.to_thread(
            check_certificate, settings.https_connect_address, settings.https_port,
            run.fqdn, bundle,
        )  # fmt: skip
        if result.chain_verified and result.name_matches:
            break
        if time.monotonic() > until:
            why = result.error or result.verify_error or "the name does not match"
            raise StepFailed(
                f"no trusted certificate for {run.fqdn} within "
                f"{settings.cert_deadline_seconds:g} s ({why})"
            )
        await asyncio.sleep(POLL_SECONDS)
    info = cert_info(result, settings.cert_thresholds)
    message = f"certificate issued by {result.issuer}, serial {result.serial}"
    await run.done("certificate", info, EventCategory.CERT, message, info)


async def _https(run: Run) -> None:
    settings = run.env.settings
    target = HealthTarget(
        domain=run.fqdn,
        port=settings.https_port,
        connect_address=settings.https_connect_address,
        ca_bundle=settings.ca_bundle,
    )
    until = time.monotonic() + settings.https_deadline_seconds
    while True:
        report = await check_health(target)
        status = report.https.status_code
        if status is not None and status < 500:
            break
        if time.monotonic() > until:
            raise StepFailed(f"HTTPS check of {run.fqdn} failed: {report.https.detail}")
        await asyncio.sleep(POLL_SECONDS)
    record = {
        "status_code": status,
        "latency_ms": round(report.https.latency_ms or 0.0, 1),
        "classification": report.classification,
        "checked_at": utcnow().isoformat(),
    }
    await run.done("https", record, EventCategory.HEALTH, report.https.detail, record)


async def _activate(run: Run) -> None:
    ip = _ip(run)
    records = {"A": [ip]} if run.env.provider is not None else {}
    await run.set_domain(
        status=DomainStatus.ACTIVE,
        records=records,
        cert=run.task.step_record("certificate"),
        health=run.task.step_record("https"),
        checked_at=utcnow(),
    )
    await run.done(
        "activate", {"records": records}, EventCategory.WORKFLOW, f"{run.fqdn} is active"
    )


async def _undo_provision(run: Run) -> tuple[list[str], list[str]]:
    env, undone, problems = run.env, [], []
    snapshot = run.intent("caddy_snapshot") or run.task.step_record("caddy_apply").get("snapshot")
    if snapshot:
        try:
            await env.snapshots.restore(env.caddy, env.snapshots.get(str(snapshot)))
            undone.append(f"Caddy config restored from snapshot {snapshot}")
        except Exception as exc:
            problems.append(f"restoring Caddy snapshot {snapshot}: {reason_of(exc)}")
    intent = run.intent("dns_record")
    if intent is not None and env.provider is not None:
        previous = list(intent["previous"])
        try:
            if previous:
                await env.provider.ensure_record(run.fqdn, "A", previous, env.settings.record_ttl)
                undone.append(f"A record {run.fqdn} put back to {', '.join(previous)}")
            else:
                await env.provider.delete_record(run.fqdn, "A")
                undone.append(f"A record {run.fqdn} removed")
        except Exception as exc:
            problems.append(f"undoing the A record of {run.fqdn}: {reason_of(exc)}")
    return undone, problems


PROVISION = Flow(
    verb="provisioning",
    steps=STEPS,
    funcs={
        "detect_ip": _detect_ip,
        "dns_record": _dns_record,
        "propagation": _propagation,
        "caddy_route": _caddy_route,
        "caddy_apply": _caddy_apply,
        "certificate": _certificate,
        "https": _https,
        "activate": _activate,
    },
    rollback=_undo_provision,
    running_status=DomainStatus.PROVISIONING,
    failed_status=DomainStatus.FAILED,
)
FLOWS = {
    TaskKind.PROVISION: PROVISION,
    TaskKind.DEPROVISION: DEPROVISION,
    TaskKind.RENEW_SSL: RENEW,
}


async def provision(
    db: Database, env: DomainEnv, fqdn: str, target: str | None, *, on_event: OnEvent | None = None
) -> Task:
    """Publish `fqdn` proxied to `target` (host:port) over HTTPS; the finished (or failed) task.

    `target` may be left out when the domain is already registered with one.
    """
    name = normalise_fqdn(fqdn)
    domain = await find_domain(db, name)
    wanted = target or (domain.target if domain is not None else None)
    if not wanted:
        raise BadInput(f"{name} is not registered yet: say where it should point (host:port)")
    try:
        ManagedSite(fqdn=name, upstream=wanted)
    except ValidationError:
        raise BadInput(f"{wanted!r} is not a host:port Caddy can proxy to") from None
    if domain is None:
        zones = env.settings.zones
        zone = zone_for(name, zones) if zones else name.split(".", 1)[1]
        new = NewDomain(fqdn=name, zone=zone, target=wanted, provider=env.provider_name)
        domain = await create_domain(db, new)
    elif domain.target != wanted:
        domain = await update_domain(db, domain.id, DomainChanges(target=wanted))
    busy = [
        t
        for status in (TaskStatus.RUNNING, TaskStatus.PENDING)
        for t in await list_tasks(db, domain_id=domain.id, status=status)
    ]
    if busy:
        raise Conflict(f"{name} already has task {busy[0].id} under way; resume it instead")
    task = await create_task(db, domain.id, TaskKind.PROVISION)
    return await drive(db, env, task, PROVISION, on_event)


async def resume(
    db: Database, env: DomainEnv, task_id: int, *, on_event: OnEvent | None = None
) -> Task:
    """Carry on a task whose runner died: done steps are skipped, the current one redone."""
    task = await get_task(db, task_id)
    if task.status not in (TaskStatus.RUNNING, TaskStatus.PENDING):
        return task
    return await drive(db, env, task, FLOWS[task.kind], on_event)


async def resume_unfinished(
    db: Database,
    env: DomainEnv,
    *,
    stale_after: timedelta = timedelta(0),
    on_event: OnEvent | None = None,
) -> list[Task]:
    """At start-up: resume every task left running or pending (silent for `stale_after`)."""
    cutoff = utcnow() - stale_after
    finished: list[Task] = []
    for status in (TaskStatus.RUNNING, TaskStatus.PENDING):
        for task in await list_tasks(db, status=status):
            beat = task.heartbeat_at or task.updated_at
            if beat.tzinfo is None:
                beat = beat.replace(tzinfo=cutoff.tzinfo)
            if beat <= cutoff:
                finished.append(await resume(db, env, task.id, on_event=on_event))
    return finished
