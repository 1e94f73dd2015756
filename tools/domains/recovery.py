"""`domains.resume`: carry on a domain's stuck task, or provision again after a failed one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from core.errors import BadInput
from memory.db import Database
from memory.domain_models import DomainStatus, TaskKind, TaskStatus
from memory.domains import Domain, Task, list_tasks
from memory.models import utcnow
from tools.deps import ToolDeps
from tools.domains.tools import FqdnArgs, _db, _domain, _env, family
from tools.domains.views import TaskOutcome, outcome
from tools.workflows.domains import provision, resume

BUSY = (TaskStatus.RUNNING, TaskStatus.PENDING)
FAILED = (TaskStatus.FAILED, TaskStatus.ROLLED_BACK)


def silent_for(task: Task, now: datetime) -> timedelta:
    """How long the task's runner has not shown a sign of life."""
    beat = task.heartbeat_at or task.updated_at
    if beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)  # SQLite hands back naive UTC times
    return now - beat


def is_stuck(task: Task, now: datetime, stuck_seconds: float) -> bool:
    """A running or pending task whose heartbeat is older than `stuck_seconds`."""
    return task.status in BUSY and silent_for(task, now).total_seconds() > stuck_seconds


def failed_provisioning(domain: Domain, tasks: list[Task]) -> Task | None:
    """The domain's latest task when it is a failed provisioning and the domain is not up.

    A later task (a deprovisioning, a new attempt) supersedes it; a removed domain is gone
    on purpose.
    """
    if not tasks or domain.status in (DomainStatus.ACTIVE, DomainStatus.REMOVED):
        return None
    latest = max(tasks, key=lambda t: t.id)
    if latest.kind == TaskKind.PROVISION and latest.status in FAILED:
        return latest
    return None


@dataclass(frozen=True)
class ResumePlan:
    """What `domains.resume` will do for a domain."""

    action: Literal["resume", "provision"]
    task: Task
    why: str


async def plan_resume(db: Database, domain: Domain, stuck_seconds: float) -> ResumePlan:
    """Decide how to carry the domain's work on; BadInput when there is nothing to do."""
    tasks = await list_tasks(db, domain_id=domain.id)
    now = utcnow()
    busy = [t for t in tasks if t.status in BUSY]
    if busy:
        task = busy[-1]
        quiet = silent_for(task, now).total_seconds()
        if not is_stuck(task, now, stuck_seconds):
            raise BadInput(
                f"{domain.fqdn}: task {task.id} ({task.kind.value}) is under way, last heard "
                f"from {quiet:.0f} s ago (stuck only after {stuck_seconds:g} s): not resumed"
            )
        why = f"task {task.id} ({task.kind.value}) silent for {quiet:.0f} s at {task.current_step}"
        return ResumePlan("resume", task, why)
    failed = failed_provisioning(domain, tasks)
    if failed is None:
        raise BadInput(f"{domain.fqdn} has no stuck task and no failed provisioning to resume")
    why = f"provisioning task {failed.id} ended {failed.status.value}: {failed.error or ''}"
    return ResumePlan("provision", failed, why.rstrip(": "))


async def _checked(args: FqdnArgs, deps: ToolDeps) -> FqdnArgs:
    """Refuse a domain with nothing to resume before anyone is asked to approve."""
    db = _db(deps)
    domain = await _domain(db, args.fqdn)
    await plan_resume(db, domain, deps.settings.background.workflow_stuck_seconds)
    return FqdnArgs(fqdn=domain.fqdn)


async def _preview(args: FqdnArgs, deps: ToolDeps) -> str | None:
    db = _db(deps)
    domain = await _domain(db, args.fqdn)
    plan = await plan_resume(db, domain, deps.settings.background.workflow_stuck_seconds)
    if plan.action == "resume":
        done = sum(1 for s in plan.task.steps.values() if s.get("done"))
        return f"resume {plan.why}; {done} done step(s) are skipped\n"
    return f"provision {domain.fqdn} -> {domain.target} again ({plan.why})\n"


@family.tool(
    "resume",
    risk="write",
    resource="domain:{fqdn}",
    preview=_preview,
    canonical=_checked,
    description=(
        "Carry a domain's interrupted work on: a task whose runner went silent is resumed "
        "(done steps skipped, the interrupted step redone); after a failed or rolled-back "
        "provisioning the domain is provisioned again to the same target. Refused when a "
        "task is still alive or nothing failed."
    ),
)
async def resume_domain(args: FqdnArgs, deps: ToolDeps) -> TaskOutcome:
    """Resume the stuck task, or provision again after a failed provisioning."""
    db = _db(deps)
    domain = await _domain(db, args.fqdn)
    # Decided again at run time: the task may have moved on since the approval.
    plan = await plan_resume(db, domain, deps.settings.background.workflow_stuck_seconds)
    async with _env(deps) as env:
        if plan.action == "resume":
            task = await resume(db, env, plan.task.id)
            return outcome(domain.fqdn, task, f"resuming task {plan.task.id} of")
        # The rollback undid the earlier run's changes, so the new run starts from step one,
        # finding whatever still holds (a record or route that is already right) as it goes.
        task = await provision(db, env, domain.fqdn, domain.target)
    return outcome(domain.fqdn, task, "provisioning")
