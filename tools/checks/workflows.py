"""Workflow checks: domain provisioning that failed, and domain tasks whose runner went silent."""

from __future__ import annotations

from memory.db import Database
from memory.domain_models import TaskKind
from memory.domains import Domain, Task, list_domains, list_tasks
from memory.findings import Observation, Remedy
from tools.checks.base import CheckContext, CheckFailed, CheckResult, CheckSet
from tools.domains.recovery import BUSY, FAILED, failed_provisioning, is_stuck, silent_for

checks = CheckSet()


def _db(ctx: CheckContext) -> Database:
    if ctx.db is None:
        raise CheckFailed("the workflow checks need the application database")
    return ctx.db


def _resume(fqdn: str, why: str) -> Remedy:
    return Remedy(tool="domains.resume", args={"fqdn": fqdn}, why=why)


def _evidence(task: Task) -> dict[str, object]:
    return {
        "task_id": task.id,
        "kind": task.kind.value,
        "status": task.status.value,
        "step": task.current_step or (task.result or {}).get("failed_step"),
        "attempts": task.attempts,
        "error": task.error,
    }


@checks.check(
    "workflows.failed",
    title="Domain provisioning failed",
    description="""The latest task of a domain is a provisioning that failed or was rolled
        back, and the domain is not active (removed domains are left alone).""",
    severity_rule="warning: the domain is not published, nothing else is harmed.",
    remedy="domains.resume, which provisions the domain again to the same target",
)
async def failed_check(ctx: CheckContext) -> CheckResult:
    """Domains whose latest provisioning failed."""
    db = _db(ctx)
    failed_ids = {
        t.domain_id
        for status in FAILED
        for t in await list_tasks(db, status=status)
        if t.kind == TaskKind.PROVISION
    }
    if not failed_ids:
        return CheckResult()
    domains: dict[int, Domain] = {d.id: d for d in await list_domains(db) if d.id in failed_ids}
    found: list[Observation] = []
    for domain in domains.values():
        task = failed_provisioning(domain, await list_tasks(db, domain_id=domain.id))
        if task is None:
            continue
        summary = f"provisioning {domain.fqdn} {task.status.value}: {task.error or 'no reason'}"
        why = "the rollback undid the failed run; provisioning again starts it over"
        evidence = {**_evidence(task), "domain_status": domain.status.value}
        found.append(
            failed_check.observe(
                f"domain:{domain.fqdn}",
                "warning",
                summary[:500],
                evidence,
                _resume(domain.fqdn, why),
            )
        )
    return CheckResult(observations=found)


@checks.check(
    "workflows.stuck",
    title="Domain task stuck",
    description="""A domain task is running or pending but its runner has not written a
        heartbeat for longer than background.workflow_stuck_seconds (it died or hangs).""",
    severity_rule="critical: the domain is half changed until the task ends.",
    remedy="domains.resume, which carries the task on from its interrupted step",
)
async def stuck_check(ctx: CheckContext) -> CheckResult:
    """Running or pending domain tasks that went silent."""
    db = _db(ctx)
    limit = ctx.settings.background.workflow_stuck_seconds
    stuck = [
        t
        for status in BUSY
        for t in await list_tasks(db, status=status)
        if is_stuck(t, ctx.now, limit)
    ]
    if not stuck:
        return CheckResult()
    names = {d.id: d.fqdn for d in await list_domains(db)}
    found: list[Observation] = []
    for task in stuck:
        fqdn = names.get(task.domain_id)
        if fqdn is None:
            continue
        quiet = silent_for(task, ctx.now).total_seconds()
        summary = (
            f"{task.kind.value} of {fqdn} (task {task.id}) silent for {quiet / 60:.0f} min "
            f"at step {task.current_step or 'none'}"
        )
        why = f"task {task.id} has had no heartbeat for {quiet:.0f} s; resume it"
        evidence = {**_evidence(task), "silent_seconds": round(quiet)}
        found.append(
            stuck_check.observe(f"domain:{fqdn}", "critical", summary, evidence, _resume(fqdn, why))
        )
    return CheckResult(observations=found)
