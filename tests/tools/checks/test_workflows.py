"""The workflow checks: which domain tasks count as failed or stuck (resumed in test_resume)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from core.settings import Settings
from memory.db import Database
from memory.domain_models import DomainStatus, TaskKind, TaskStatus
from memory.domains import (
    Domain,
    DomainChanges,
    NewDomain,
    Task,
    create_domain,
    create_task,
    update_domain,
    update_task,
)
from memory.models import utcnow
from tools.checks.base import CheckContext
from tools.checks.workflows import failed_check, stuck_check
from tools.deps import ToolDeps


def context(tmp_path: Path, db: Database) -> CheckContext:
    settings = Settings(data_dir=tmp_path, background={"workflow_stuck_seconds": 900})
    return CheckContext(deps=ToolDeps(settings, db=db), db=db)


async def domain(db: Database, label: str, status: DomainStatus) -> Domain:
    new = NewDomain(fqdn=f"{label}.example.test", zone="example.test", target="127.0.0.1:80",
                    provider="rfc2136")  # fmt: skip
    made = await create_domain(db, new)
    return await update_domain(db, made.id, DomainChanges(status=status))


async def task(
    db: Database, of: Domain, kind: TaskKind, status: TaskStatus, silent: timedelta | None = None
) -> Task:
    made = await create_task(db, of.id, kind)
    beat = utcnow() - (silent or timedelta())
    return await update_task(
        db,
        made.id,
        expected_version=made.version,
        status=status,
        current_step="propagation",
        error="boom" if status in (TaskStatus.FAILED, TaskStatus.ROLLED_BACK) else None,
        heartbeat=True,
        clock=lambda: beat,
    )


async def test_failed_provisioning_of_a_domain_not_active(
    tmp_path: Path, database: Database
) -> None:
    failed = await domain(database, "failed", DomainStatus.FAILED)
    await task(database, failed, TaskKind.PROVISION, TaskStatus.ROLLED_BACK)
    # Retried since, successfully: nothing to report.
    retried = await domain(database, "retried", DomainStatus.ACTIVE)
    await task(database, retried, TaskKind.PROVISION, TaskStatus.FAILED)
    await task(database, retried, TaskKind.PROVISION, TaskStatus.SUCCEEDED)
    # Taken down on purpose after the failure.
    removed = await domain(database, "removed", DomainStatus.REMOVED)
    await task(database, removed, TaskKind.PROVISION, TaskStatus.FAILED)
    # A failed renewal is not a failed provisioning.
    renewal = await domain(database, "renewal", DomainStatus.FAILED)
    await task(database, renewal, TaskKind.RENEW_SSL, TaskStatus.FAILED)

    result = await failed_check.probe(context(tmp_path, database))
    (obs,) = result.observations
    assert obs.resource == "domain:failed.example.test" and obs.severity == "warning"
    assert obs.evidence["status"] == "rolled_back" and "boom" in obs.summary
    assert obs.remedy is not None and obs.remedy.tool == "domains.resume"
    assert obs.remedy.args == {"fqdn": "failed.example.test"}


async def test_a_task_silent_past_the_limit_is_stuck(tmp_path: Path, database: Database) -> None:
    stuck = await domain(database, "stuck", DomainStatus.PROVISIONING)
    await task(database, stuck, TaskKind.PROVISION, TaskStatus.RUNNING, timedelta(hours=1))
    alive = await domain(database, "alive", DomainStatus.PROVISIONING)
    await task(database, alive, TaskKind.PROVISION, TaskStatus.RUNNING, timedelta(minutes=1))
    waiting = await domain(database, "waiting", DomainStatus.ACTIVE)
    await task(database, waiting, TaskKind.RENEW_SSL, TaskStatus.PENDING, timedelta(minutes=20))
    done = await domain(database, "done", DomainStatus.ACTIVE)
    await task(database, done, TaskKind.PROVISION, TaskStatus.SUCCEEDED, timedelta(days=3))

    result = await stuck_check.probe(context(tmp_path, database))
    found = {o.resource: o for o in result.observations}
    assert set(found) == {"domain:stuck.example.test", "domain:waiting.example.test"}
    obs = found["domain:stuck.example.test"]
    assert obs.severity == "critical" and obs.evidence["step"] == "propagation"
    assert 3500 < obs.evidence["silent_seconds"] < 3700
    assert obs.remedy is not None and obs.remedy.tool == "domains.resume"


async def test_nothing_to_report_reads_nothing_more(tmp_path: Path, database: Database) -> None:
    ctx = context(tmp_path, database)
    assert (await failed_check.probe(ctx)).observations == []
    assert (await stuck_check.probe(ctx)).observations == []
