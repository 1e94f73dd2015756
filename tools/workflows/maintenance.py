"""Taking a domain down (route, then record) and renewing its certificate, as durable tasks."""

from __future__ import annotations

import asyncio
from typing import Any

from core.errors import BadInput, Conflict, NotFound
from core.fqdn import normalise_fqdn
from memory.db import Database
from memory.domain_models import DomainStatus, EventCategory, TaskKind, TaskStatus
from memory.domains import Task, create_task, find_domain, list_tasks
from memory.models import utcnow
from tools.caddy.certs import renew
from tools.caddy.snapshots import apply
from tools.ssl.check import CertificateResult, check_certificate, classify
from tools.workflows.caddy_sites import desired_with, find_route
from tools.workflows.domain_env import DomainEnv
from tools.workflows.runner import Flow, OnEvent, Run, StepFailed, drive, reason_of


def cert_info(result: CertificateResult, thresholds: tuple[int, int, int]) -> dict[str, Any]:
    """What a domain row keeps about its certificate."""
    return {
        "serial": result.serial,
        "issuer": result.issuer,
        "names": result.names,
        "not_after": result.not_after.isoformat() if result.not_after else None,
        "days_left": result.days_left,
        "status": classify(result, thresholds),
        "checked_at": utcnow().isoformat(),
    }


async def _caddy_remove(run: Run) -> None:
    env = run.env
    live, _ = await env.caddy.get_config()
    route = find_route(live, run.fqdn)
    if route is None:
        await run.done(
            "caddy_remove", {"changed": False}, EventCategory.CADDY, "no Caddy route to remove"
        )
        return
    snapshot = run.intent("caddy_snapshot")
    if snapshot is None:
        taken = await env.snapshots.take(env.caddy, f"before deprovisioning {run.fqdn}")
        snapshot = taken.name
        await run.write_intent("caddy_snapshot", snapshot)
    desired = desired_with(env, live, run.fqdn, None)
    await apply(env.caddy, desired, env.snapshots, f"deprovision {run.fqdn}")
    record = {"changed": True, "snapshot": snapshot, "route": route}
    await run.done(
        "caddy_remove", record, EventCategory.CADDY, f"Caddy route removed (snapshot {snapshot})"
    )


async def _dns_delete(run: Run) -> None:
    provider = run.env.provider
    if provider is None:
        await run.done("dns_delete", {"skipped": True}, EventCategory.DNS, "DNS not managed")
        return
    intent = run.intent("dns_record")
    if intent is None:
        intent = {"previous": await provider.get_records(run.fqdn, "A")}
        await run.write_intent("dns_record", intent)
    change = await provider.delete_record(run.fqdn, "A")
    record = {"previous": intent["previous"], "changed": change.changed}
    message = f"A record {run.fqdn} removed" if change.changed else "no A record to remove"
    await run.done("dns_delete", record, EventCategory.DNS, message, record)


async def _mark_removed(run: Run) -> None:
    await run.set_domain(status=DomainStatus.REMOVED, records={}, cert=None, health=None)
    await run.done("mark_removed", {}, EventCategory.WORKFLOW, f"{run.fqdn} is removed")


async def _undo_deprovision(run: Run) -> tuple[list[str], list[str]]:
    env, undone, problems = run.env, [], []
    intent = run.intent("dns_record")
    if intent is not None and intent["previous"] and env.provider is not None:
        try:
            await env.provider.ensure_record(
                run.fqdn, "A", list(intent["previous"]), env.settings.record_ttl
            )
            undone.append(f"A record {run.fqdn} put back")
        except Exception as exc:
            problems.append(f"putting back the A record: {reason_of(exc)}")
    snapshot = run.intent("caddy_snapshot")
    if snapshot:
        try:
            await env.snapshots.restore(env.caddy, env.snapshots.get(str(snapshot)))
            undone.append(f"Caddy config restored from snapshot {snapshot}")
        except Exception as exc:
            problems.append(f"restoring Caddy snapshot {snapshot}: {reason_of(exc)}")
    return undone, problems


async def _renew(run: Run) -> None:
    settings = run.env.settings
    if settings.caddy_storage_dir is None:
        raise BadInput("domains.caddy_storage_dir (Caddy's data dir) is not set")
    bundle = str(settings.ca_bundle) if settings.ca_bundle else None
    renewal = await renew(
        run.env.caddy,
        settings.caddy_storage_dir,
        run.fqdn,
        host=settings.https_connect_address,
        port=settings.https_port,
        ca_bundle=bundle,
        deadline_s=settings.cert_deadline_seconds,
    )
    if renewal.new_serial == renewal.old_serial:
        raise StepFailed(f"Caddy still serves serial {renewal.old_serial} for {run.fqdn}")
    record = {
        "old_serial": renewal.old_serial,
        "new_serial": renewal.new_serial,
        "seconds": renewal.seconds,
    }
    message = f"certificate renewed: serial {renewal.old_serial} -> {renewal.new_serial}"
    await run.done("renew", record, EventCategory.CERT, message, record)


async def _record_cert(run: Run) -> None:
    settings = run.env.settings
    bundle = str(settings.ca_bundle) if settings.ca_bundle else None
    result = await asyncio.to_thread(
        check_certificate, settings.https_connect_address, settings.https_port, run.fqdn, bundle
    )
    if result.serial != run.task.step_record("renew")["new_serial"]:
        raise StepFailed(f"the served serial is {result.serial}, not the renewed one")
    info = cert_info(result, settings.cert_thresholds)
    await run.set_domain(cert=info, checked_at=utcnow())
    await run.done("record_cert", info, EventCategory.CERT, f"certificate status {info['status']}")


async def _undo_nothing(run: Run) -> tuple[list[str], list[str]]:
    # A failed renewal puts the old certificate and config back by itself.
    return [], []


DEPROVISION = Flow(
    verb="deprovisioning",
    steps=("caddy_remove", "dns_delete", "mark_removed"),
    funcs={"caddy_remove": _caddy_remove, "dns_delete": _dns_delete, "mark_removed": _mark_removed},
    rollback=_undo_deprovision,
    running_status=DomainStatus.DEPROVISIONING,
    failed_status=None,  # back to what it was: a failed removal never publishes a domain
)
RENEW = Flow(
    verb="renewing the certificate of",
    steps=("renew", "record_cert"),
    funcs={"renew": _renew, "record_cert": _record_cert},
    rollback=_undo_nothing,
    running_status=None,
    failed_status=None,
)


async def _start(db: Database, fqdn: str, kind: TaskKind) -> Task:
    name = normalise_fqdn(fqdn)
    domain = await find_domain(db, name)
    if domain is None:
        raise NotFound(f"{name} is not a registered domain")
    for status in (TaskStatus.RUNNING, TaskStatus.PENDING):
        busy = await list_tasks(db, domain_id=domain.id, status=status)
        if busy:
            raise Conflict(f"{name} already has task {busy[0].id} under way; resume it instead")
    return await create_task(db, domain.id, kind)


async def deprovision(
    db: Database, env: DomainEnv, fqdn: str, *, on_event: OnEvent | None = None
) -> Task:
    """Take `fqdn` down: remove its Caddy route (snapshot first), delete its A record."""
    task = await _start(db, fqdn, TaskKind.DEPROVISION)
    return await drive(db, env, task, DEPROVISION, on_event)


async def renew_ssl(
    db: Database, env: DomainEnv, fqdn: str, *, on_event: OnEvent | None = None
) -> Task:
    """Get `fqdn` a new certificate now and check the served serial changed."""
    task = await _start(db, fqdn, TaskKind.RENEW_SSL)
    return await drive(db, env, task, RENEW, on_event)
