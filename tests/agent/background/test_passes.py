"""Maintenance and summary runs, and the events every run tells its listeners."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import docker
import pytest

from agent.background.service import Background
from agent.runtime import Runtime
from core.errors import BadInput
from core.events import Event
from memory import runs
from memory.models import utcnow
from tests.testbed.docker_fixtures import has_exited, wait_for

pytestmark = pytest.mark.docker


@pytest.fixture
def dangling_image(make_container: Any, docker_client: docker.DockerClient) -> Iterator[str]:
    """An untagged image for reclaim_space to find (its tag moved to a newer commit)."""
    repo = f"jarvis-test/maint-{uuid.uuid4().hex[:8]}"
    source = make_container(["sh", "-c", "echo x > /tmp/x; sleep 600"])
    old = source.commit(repository=repo, tag="1")
    new = source.commit(repository=repo, tag="1", changes=['LABEL jarvis.test.v="2"'])
    yield old.id
    for image in (new.id, old.id):
        with contextlib.suppress(docker.errors.ImageNotFound, docker.errors.APIError):
            docker_client.images.remove(image, force=True)


async def test_maintenance_trims_compacts_and_asks_to_reclaim_outside_the_window(
    runtime: Runtime, dangling_image: str
) -> None:
    old = await runs.create_run(
        runtime.db,
        kind="diagnose",
        trigger="schedule",
        actor="agent:autonomous",
        now=utcnow() - timedelta(days=90),
    )
    await runs.claim_run(runtime.db, old.id, worker="w")
    await runs.finish_run(runtime.db, old.id, status="succeeded", summary="long ago")
    # 12:00 UTC is outside the default 03:00-05:00 maintenance window.
    noon = utcnow().replace(hour=12, minute=0)
    runtime.engine._clock = lambda: noon
    done = await Background(runtime).start("maintenance")
    steps = {a["step"]: a for a in done.actions}
    assert set(steps) == {
        "reclaim_space",
        "backup_databases",
        "offsite_copy",
        "trim_history",
        "trim_checkpoints",
        "expire_approvals",
        "compact_store",
    }
    assert steps["reclaim_space"]["message"].startswith("approval_required")
    assert "removed 1 old run" in steps["trim_history"]["message"]
    assert "vacuumed" in steps["compact_store"]["message"]
    assert done.status == "succeeded" and len(done.approvals) == 1
    [approval] = await runtime.gate.approvals.list("pending")
    assert approval.tool == "docker.reclaim_space" and approval.purpose
    assert dangling_image[7:19] in (approval.diff or "")  # the approval names what goes
    with pytest.raises(Exception, match="no run"):
        await runs.get_run(runtime.db, old.id)


async def test_inside_the_window_reclaiming_runs_without_asking(runtime: Runtime) -> None:
    runtime.engine._clock = lambda: utcnow().replace(hour=3, minute=30)
    done = await Background(runtime).start("maintenance")
    step = next(a for a in done.actions if a["step"] == "reclaim_space")
    assert step["message"].startswith(("ok", "no_data")), step
    assert not await runtime.gate.approvals.list("pending")


async def test_the_summary_names_repairs_findings_and_waiting_approvals(
    runtime: Runtime, make_container: Any
) -> None:
    crashed = make_container(["sh", "-c", "exit 4"])

    assert wait_for(lambda: has_exited(crashed))
    seen: list[Event] = []
    runtime.events.subscribe(seen.append)
    await Background(runtime).start("remediate", options={"checks": ["containers.*"]})
    summary = await Background(runtime).start("summary")
    assert f"container:{crashed.name}" in {f["resource"] for f in summary.findings}
    assert "approval(s) waiting" in (summary.summary or "")
    kinds = [e.kind for e in seen]
    assert "finding.opened" in kinds and "approval.created" in kinds
    assert kinds.count("run.finished") >= 2
    opened = next(e for e in seen if e.kind == "finding.opened")
    assert opened.data["resource"].startswith("container:")


async def test_an_unknown_kind_or_check_is_refused(runtime: Runtime) -> None:
    with pytest.raises(BadInput, match="unknown run kind"):
        await Background(runtime).start("dance")
    done = await Background(runtime).start("diagnose", options={"checks": ["nope.*"]})
    assert done.status == "failed" and "no check matches" in (done.summary or "")
