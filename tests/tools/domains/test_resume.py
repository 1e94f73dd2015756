"""`domains.resume` through the real gate: a failed provisioning redone, a stuck task resumed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.errors import BadInput
from memory.db import Database
from memory.domain_models import DomainStatus, TaskStatus
from memory.domains import Task, find_domain, list_events, list_tasks, update_task
from memory.models import utcnow
from tests.testbed.caddy_pebble import Caddy
from tests.testbed.knot import KnotServer
from tests.tools.checks.domain_bed import USER, DomainBed, approved, domain_bed
from tools.checks.workflows import failed_check, stuck_check
from tools.dns.query import query_records
from tools.workflows.domains import DomainEnv, provision

TOOL = "domains.resume"


class Crash(BaseException):
    """Stops a run the way a dying process does: nothing catches it, nothing rolls back."""


@pytest.fixture
async def bed(
    tmp_path: Path, knot: KnotServer, caddy: Caddy, database: Database, db_url: str
) -> AsyncIterator[DomainBed]:
    async with domain_bed(tmp_path, knot, caddy, database, db_url) as made:
        yield made


async def a_records(bed: DomainBed, fqdn: str) -> list[str]:
    return await query_records(fqdn, "A", [f"{bed.knot.host}:{bed.knot.port}"])


async def test_a_rolled_back_provisioning_is_provisioned_again(
    bed: DomainBed, upstream: str
) -> None:
    fqdn = bed.name("retry")
    wrong = bed.settings.domains.model_copy(update={"caddy_server": "nope"})
    broken = bed.settings.model_copy(update={"domains": wrong})
    async with DomainEnv.from_settings(broken, bed.db) as env:
        failed = await provision(bed.db, env, fqdn, upstream)
    assert failed.status == TaskStatus.ROLLED_BACK, failed.error
    assert await a_records(bed, fqdn) == []  # the rollback removed the record it made

    (obs,) = (await failed_check.probe(bed.context())).observations
    assert obs.remedy is not None and obs.remedy.tool == TOOL
    view = await approved(bed, obs.remedy.tool, obs.remedy.args)
    assert view.status == "executed", view
    assert view.diff is not None and f"provision {fqdn}" in view.diff
    data = (view.result or {}).get("data", view.result)
    assert data["succeeded"] is True, data
    domain = await find_domain(bed.db, fqdn)
    assert domain is not None and domain.status == DomainStatus.ACTIVE
    assert await a_records(bed, fqdn) == ["127.0.0.1"]
    tasks = await list_tasks(bed.db, domain_id=domain.id)
    assert [t.status for t in tasks] == [TaskStatus.ROLLED_BACK, TaskStatus.SUCCEEDED]
    assert (await failed_check.probe(bed.context())).observations == []

    with pytest.raises(BadInput, match="no stuck task"):
        await bed.gate.invoke(USER, TOOL, {"fqdn": fqdn})


async def test_a_stuck_task_is_resumed_from_its_step_once_silent_long_enough(
    bed: DomainBed, upstream: str
) -> None:
    fqdn = bed.name("stuck")

    async def die(task: Task, step: str) -> None:
        if step == "caddy_route":
            raise Crash

    async with DomainEnv.from_settings(bed.settings, bed.db) as env:
        env.after_step = die
        with pytest.raises(Crash):
            await provision(bed.db, env, fqdn, upstream)
    domain = await find_domain(bed.db, fqdn)
    assert domain is not None
    (dead,) = await list_tasks(bed.db, domain_id=domain.id)
    assert dead.status == TaskStatus.RUNNING

    # Its heartbeat is fresh: it may still be working, so it is neither stuck nor resumable.
    assert (await stuck_check.probe(bed.context())).observations == []
    with pytest.raises(BadInput, match="under way"):
        await bed.gate.invoke(USER, TOOL, {"fqdn": fqdn})

    long_ago = utcnow() - timedelta(hours=1)
    await update_task(
        bed.db, dead.id, expected_version=dead.version, heartbeat=True, clock=lambda: long_ago
    )
    (obs,) = (await stuck_check.probe(bed.context())).observations
    assert obs.severity == "critical" and obs.evidence["task_id"] == dead.id
    assert obs.remedy is not None and obs.remedy.tool == TOOL
    view = await approved(bed, obs.remedy.tool, obs.remedy.args)
    assert view.status == "executed", view
    assert view.diff is not None and "4 done step(s) are skipped" in view.diff

    (task,) = await list_tasks(bed.db, domain_id=domain.id)
    assert task.id == dead.id and task.status == TaskStatus.SUCCEEDED and task.attempts == 2
    events = await list_events(bed.db, domain.id, task_id=task.id)
    assert any("resuming after 4 done steps" in e.message for e in events)
    assert await a_records(bed, fqdn) == ["127.0.0.1"]
    assert (await stuck_check.probe(bed.context())).observations == []


async def test_unknown_domain_or_nothing_to_resume_is_refused(
    bed: DomainBed, upstream: str
) -> None:
    with pytest.raises(BadInput, match="not a registered domain"):
        await bed.gate.invoke(USER, TOOL, {"fqdn": bed.name("nobody")})
    await bed.active("fine", upstream)
    with pytest.raises(BadInput, match="no stuck task"):
        await bed.gate.invoke(USER, TOOL, {"fqdn": bed.name("fine")})
