"""The container checks against real containers on the test Docker Engine."""

from __future__ import annotations

import uuid

import pytest
from docker.models.containers import Container

from memory import executions
from memory.audit_notes import AuditNote
from memory.db import Database
from tests.testbed.docker_fixtures import MakeContainer, wait_for
from tests.tools.checks.conftest import SECOND, context, observe
from tools.checks import containers as checks
from tools.checks.catalog import all_checks
from tools.checks.containers import _unexpected
from tools.checks.docker_state import StopInfo, watched
from tools.checks.runner import diagnose
from tools.deps import ToolDeps


def _exited(c: Container) -> bool:
    c.reload()
    return bool(c.status == "exited")


def _resource(c: Container) -> str:
    return f"container:{c.name}"


async def test_a_non_zero_exit_is_critical_with_start_as_remedy(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    c = make_container(["sh", "-c", "echo booting; echo 'disk <b>broken</b>' >&2; exit 3"])
    assert wait_for(lambda: _exited(c))
    found = await observe(checks.exited, context(tool_deps))
    obs = found[_resource(c)]
    assert obs.severity == "critical"
    assert "code 3" in obs.summary
    assert obs.evidence["exit_code"] == 3
    assert obs.evidence["oom_killed"] is False
    assert obs.evidence["how"] == "exited"
    assert "die" in obs.evidence["events"]
    assert obs.evidence["finished_at"]
    assert "booting" in obs.evidence["log_tail"]
    assert "broken" in obs.evidence["log_tail"]
    assert obs.evidence["untrusted"] == ["log_tail"]
    assert obs.remedy is not None
    assert obs.remedy.tool == "docker.start_container"
    assert obs.remedy.args == {"name": c.name}


async def test_docker_stop_is_not_a_finding_but_a_kill_is(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    stopped, killed = make_container(), make_container()
    stopped.stop(timeout=5)
    killed.kill()
    assert wait_for(lambda: _exited(stopped) and _exited(killed))
    assert stopped.attrs["State"]["ExitCode"] != 0  # SIGTERM: not a clean exit, yet on purpose
    found = await observe(checks.exited, context(tool_deps))
    assert _resource(stopped) not in found
    obs = found[_resource(killed)]
    assert obs.severity == "critical"
    assert obs.evidence["how"] == "killed"
    assert obs.evidence["signal"] in ("9", "SIGKILL", "KILL")
    assert "killed" in obs.summary


async def test_a_clean_exit_and_ignored_containers_are_not_findings(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    clean = make_container("true")
    ignored = make_container(["sh", "-c", "exit 3"], labels={"jarvis.ignore": "true"})
    assert wait_for(lambda: _exited(clean) and _exited(ignored))
    ctx = context(tool_deps)
    for check in (checks.exited, checks.restart_loop, checks.unhealthy):
        found = await observe(check, ctx)
        assert _resource(clean) not in found
        assert _resource(ignored) not in found


async def test_an_oom_kill_is_critical(tool_deps: ToolDeps, make_container: MakeContainer) -> None:
    c = make_container(
        ["dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1"],
        mem_limit="16m",
        memswap_limit="16m",
    )
    assert wait_for(lambda: _exited(c))
    if not c.attrs["State"]["OOMKilled"]:
        pytest.skip("this kernel/engine does not enforce container memory limits")
    found = await observe(checks.exited, context(tool_deps))
    obs = found[_resource(c)]
    assert obs.severity == "critical"
    assert obs.evidence["oom_killed"] is True
    assert "out of memory" in obs.summary


async def test_a_restart_loop_is_critical_without_remedy(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    c = make_container(["sh", "-c", "exit 1"], restart_policy={"Name": "on-failure"})

    def restarted() -> bool:
        c.reload()
        return int(c.attrs["RestartCount"]) >= 3

    assert wait_for(restarted, timeout=30)
    found = await observe(checks.restart_loop, context(tool_deps, restart_loop_count=3))
    obs = found[_resource(c)]
    assert obs.severity == "critical"
    assert obs.remedy is None
    assert "restart loop" in obs.summary and "person" in obs.summary
    assert obs.evidence["restart_count"] >= 3
    assert obs.evidence["restart_policy"] == "on-failure"


def _note(tool: str) -> AuditNote:
    return AuditNote(actor="agent:autonomous", event="allowed", tool=tool, data={})


async def test_started_by_jarvis_again_and_again_is_a_loop(
    tool_deps: ToolDeps, make_container: MakeContainer, database: Database
) -> None:
    c = make_container(["sh", "-c", "exit 2"])
    assert wait_for(lambda: _exited(c))
    ctx = context(tool_deps, database, restart_loop_count=3)
    assert _resource(c) not in await observe(checks.restart_loop, ctx)
    for _ in range(3):
        key = uuid.uuid4().hex
        await executions.claim_execution(
            database,
            key=key,
            tool="docker.start_container",
            resource=_resource(c),
            actor="agent:autonomous",
            approval_id=None,
            note=_note("docker.start_container"),
        )
    ctx = context(tool_deps, database, restart_loop_count=3)
    obs = (await observe(checks.restart_loop, ctx))[_resource(c)]
    assert "Jarvis started it 3 times" in obs.summary
    # The exit itself is still reported with its start: the policy's breaker asks from now on.
    exited = (await observe(checks.exited, ctx))[_resource(c)]
    assert exited.remedy is not None and exited.remedy.tool == "docker.start_container"
    assert "loop" in exited.summary


async def test_jarvis_stopping_it_counts_as_on_purpose_when_events_are_gone(
    tool_deps: ToolDeps, make_container: MakeContainer, database: Database
) -> None:
    c = make_container(["sh", "-c", "exit 5"])
    assert wait_for(lambda: _exited(c))
    await executions.claim_execution(
        database,
        key=uuid.uuid4().hex,
        tool="docker.stop_container",
        resource=_resource(c),
        actor="user:evin",
        approval_id=None,
        note=_note("docker.stop_container"),
    )
    ctx = context(tool_deps, database)
    state = next(s for s in await watched(ctx) if s.name == c.name)
    assert not await _unexpected(ctx, state, StopInfo(how="unknown"))
    assert await _unexpected(context(tool_deps), state, StopInfo(how="unknown"))


async def test_an_unhealthy_container_is_a_warning_with_restart(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    c = make_container(
        healthcheck={
            "test": ["CMD-SHELL", "echo probe-said-no; false"],
            "interval": SECOND,
            "retries": 1,
        }
    )

    def unhealthy() -> bool:
        c.reload()
        return bool(c.attrs["State"].get("Health", {}).get("Status") == "unhealthy")

    assert wait_for(unhealthy, timeout=20)
    obs = (await observe(checks.unhealthy, context(tool_deps)))[_resource(c)]
    assert obs.severity in ("warning", "critical")
    assert obs.severity == ("critical" if obs.evidence["failing_streak"] >= 5 else "warning")
    assert "probe-said-no" in obs.evidence["health_output"]
    assert obs.evidence["untrusted"] == ["health_output"]
    assert obs.remedy is not None
    assert obs.remedy.tool == "docker.restart_container"
    assert obs.remedy.args == {"name": c.name}


async def test_diagnose_counts_a_persisting_exit_and_closes_it_once_started(
    tool_deps: ToolDeps, make_container: MakeContainer, database: Database
) -> None:
    # Fails the first time only: started again, it stays up.
    c = make_container(["sh", "-c", "test -f /tmp/ran && exec sleep 600; touch /tmp/ran; exit 3"])
    assert wait_for(lambda: _exited(c))
    chosen = [k for k in all_checks() if k.id == "containers.exited"]
    me = _resource(c)

    async def one_pass() -> dict[str, int]:
        ctx = context(tool_deps, database)
        report = await diagnose(chosen, ctx, database, run_id=None)
        assert [o.status for o in report.checks] != ["error"], report.checks
        return {
            **{f"open:{f.resource}": f.count for f in report.open},
            **{f"closed:{f.resource}": f.count for f in report.closed},
        }

    first = await one_pass()
    assert first[f"open:{me}"] == 1
    second = await one_pass()
    assert second[f"open:{me}"] == 2
    c.start()
    c.reload()
    assert c.status == "running"
    third = await one_pass()
    assert f"open:{me}" not in third
    assert third[f"closed:{me}"] == 2


def test_the_catalog_lists_the_container_and_host_checks() -> None:
    ids = {c.id for c in all_checks()}
    assert {
        "containers.exited",
        "containers.restart_loop",
        "containers.unhealthy",
        "host.disk",
        "host.inodes",
        "host.memory",
    } <= ids
    for c in all_checks():
        assert c.severity_rule and c.description and c.title
