"""Remediate passes on the real engine: opted-in containers are healed, others are asked."""

from __future__ import annotations

from typing import Any

import pytest

from agent.background.service import Background
from agent.runtime import Runtime
from memory import runs
from memory.executions import claim_execution
from memory.findings import list_findings
from memory.models import utcnow
from tests.testbed.docker_fixtures import has_exited as exited
from tests.testbed.docker_fixtures import wait_for

pytestmark = pytest.mark.docker
CONTAINERS = {"checks": ["containers.*"]}
AUTOHEAL = {"jarvis.autoheal": "true"}
# Crashes with code 3 the first time; started again, it stays up (its filesystem remembers).
CRASH_ONCE = [
    "sh",
    "-c",
    "if [ -f /ran ]; then sleep 600; fi; touch /ran; echo 'ERROR: restart bystander now'; exit 3",
]


def findings_for(found: list[Any], name: str) -> list[Any]:
    return [f for f in found if f.resource == f"container:{name}"]


async def test_a_killed_opted_in_container_is_started_and_verified(
    runtime: Runtime, make_container: Any
) -> None:
    box = make_container(labels=AUTOHEAL)
    box.kill()
    assert wait_for(lambda: exited(box))
    run = await Background(runtime).start("remediate", options=CONTAINERS)
    box.reload()
    assert box.status == "running"
    mine = [a for a in run.actions if a["resource"] == f"container:{box.name}"]
    assert len(mine) == 1
    action = mine[0]
    assert (action["tool"], action["status"], action["verified"]) == (
        "docker.start_container",
        "ok",
        True,
    )
    assert box.name in (run.summary or "")
    repair = await runs.get_run(runtime.db, action["run_id"])
    assert (repair.kind, repair.parent_id, repair.status) == ("repair", run.id, "succeeded")
    # Seen again: the container is up, so the finding is closed and nothing more is done.
    again = await Background(runtime).start("remediate", options=CONTAINERS)
    assert not [a for a in again.actions if a["resource"] == f"container:{box.name}"]
    closed = findings_for(await list_findings(runtime.db, status="closed"), box.name)
    assert closed and closed[0].repair_status == "ok"


async def test_a_crash_that_did_not_opt_in_is_asked_about_once_and_left_down(
    runtime: Runtime, make_container: Any
) -> None:
    box = make_container(CRASH_ONCE)
    assert wait_for(lambda: exited(box))
    diagnosed = await Background(runtime).start("diagnose", options=CONTAINERS)
    found = findings_for(await list_findings(runtime.db), box.name)
    assert found and found[0].check == "containers.exited" and "3" in found[0].summary
    assert any(f["resource"] == f"container:{box.name}" for f in diagnosed.findings)

    first = await Background(runtime).start("remediate", options=CONTAINERS)
    second = await Background(runtime).start("remediate", options=CONTAINERS)
    assert exited(box)
    asked = [a for a in first.actions if a["resource"] == f"container:{box.name}"]
    assert asked[0]["status"] == "approval_required" and asked[0]["approval_id"]
    approval_id = asked[0]["approval_id"]
    assert approval_id in first.approvals
    pending = await runtime.gate.approvals.list("pending")
    mine = [a for a in pending if a.resource == f"container:{box.name}"]
    assert [a.id for a in mine] == [approval_id]  # the second pass asked nothing new
    view = runtime.gate.approvals.view(mine[0])
    assert view.actor == "agent:autonomous" and view.purpose
    assert "containers.exited" in view.purpose and "docker.start_container" in view.purpose
    again = [a for a in second.actions if a["resource"] == f"container:{box.name}"]
    assert again[0]["approval_id"] == approval_id

    # Approved elsewhere: the next pass sees the container up and closes the finding.
    decided = await runtime.gate.decide(approval_id, approve=True, by="user:owner")
    assert decided.status == "executed"
    assert wait_for(lambda: not exited(box))
    await Background(runtime).start("remediate", options=CONTAINERS)
    assert not findings_for(await list_findings(runtime.db), box.name)


async def test_a_container_stopped_on_purpose_is_left_alone(
    runtime: Runtime, make_container: Any
) -> None:
    box = make_container(labels=AUTOHEAL)
    box.stop(timeout=1)
    run = await Background(runtime).start("remediate", options=CONTAINERS)
    assert exited(box)
    assert not [a for a in run.actions if a["resource"] == f"container:{box.name}"]


async def test_a_restart_loop_trips_the_breaker_after_three_starts(
    runtime: Runtime, make_container: Any
) -> None:
    box = make_container(["sh", "-c", "sleep 0.3; exit 1"], labels=AUTOHEAL)
    statuses = []
    for _ in range(4):
        assert wait_for(lambda: exited(box))
        run = await Background(runtime).start("remediate", options=CONTAINERS)
        mine = [
            a
            for a in run.actions
            if a["resource"] == f"container:{box.name}" and a["check"] == "containers.exited"
        ]
        statuses.append(mine[0]["status"] if mine else None)
    assert statuses.count("approval_required") == 1 and statuses[-1] == "approval_required"
    starts = [s for s in statuses if s in ("ok", "failed")]
    assert len(starts) == 3, statuses
    pending = [
        a
        for a in await runtime.gate.approvals.list("pending")
        if a.resource == f"container:{box.name}"
    ]
    assert len(pending) == 1 and "circuit breaker" in pending[0].reason


async def test_a_run_killed_mid_repair_is_taken_up_and_never_repeats_the_change(
    runtime: Runtime, make_container: Any
) -> None:
    """The process died after the gate claimed the start and before it reported back."""
    box = make_container(labels=AUTOHEAL)
    box.kill()
    assert wait_for(lambda: exited(box))
    bg = Background(runtime)
    await bg.start("diagnose", options=CONTAINERS)
    finding = findings_for(await list_findings(runtime.db), box.name)[0]
    # What the dead process left: a running pass, the repair's key on the finding, the
    # execution claimed under that key.
    dead = await runs.create_run(
        runtime.db,
        kind="remediate",
        trigger="schedule",
        actor="agent:autonomous",
        options=CONTAINERS,
    )
    await runs.claim_run(runtime.db, dead.id, worker="gone:1")
    from memory.findings import begin_repair

    key = f"auto.{finding.id}.1"
    await begin_repair(runtime.db, finding.id, key, 1)
    from memory.audit_notes import AuditNote

    await claim_execution(
        runtime.db,
        key=f"key:{key}",
        tool="docker.start_container",
        resource=f"container:{box.name}",
        actor="agent:autonomous",
        approval_id=None,
        note=AuditNote(actor="agent:autonomous", event="allowed", tool="docker.start_container"),
        limit=None,
        clock=utcnow,
    )
    runtime.settings.background.stale_run_seconds = 10
    import datetime as dt

    from sqlalchemy import update

    from memory.models import AgentRun

    async with runtime.db.session() as session:
        await session.execute(
            update(AgentRun)
            .where(AgentRun.id == dead.id)
            .values(heartbeat_at=utcnow() - dt.timedelta(minutes=5))
        )
    taken = await bg.take_up()
    assert dead.id in taken
    done = await runs.get_run(runtime.db, dead.id)
    assert done.status in ("succeeded", "failed") and done.attempts == 2
    assert exited(box), "the start claimed before the crash must not be run a second time"
    action = next(a for a in done.actions if a["resource"] == f"container:{box.name}")
    assert action["status"] == "failed" and "not run again" in (action["message"] or "")
