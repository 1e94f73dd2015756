"""Reading containers and their stop events from the real Docker Engine."""

from __future__ import annotations

from typing import Any

from docker.models.containers import Container

from tests.testbed.docker_fixtures import MakeContainer, wait_for
from tests.tools.checks.conftest import context
from tools.checks.docker_state import (
    ContainerState,
    containers,
    docker_root,
    how_it_stopped,
    log_tail,
    stop_info,
    watched,
)
from tools.deps import ToolDeps


def _exited(c: Container) -> bool:
    c.reload()
    return bool(c.status == "exited")


async def _state(deps: ToolDeps, name: str) -> ContainerState:
    found = {s.name: s for s in await containers(context(deps))}
    return found[name]


async def test_every_container_is_read_once_per_pass(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    up = make_container(labels={"app": "web"}, restart_policy={"Name": "unless-stopped"})
    ctx = context(tool_deps)
    first = await containers(ctx)
    assert await containers(ctx) is first  # shared within the pass
    s = next(x for x in first if x.name == up.name)
    assert s.id == up.id
    assert s.running and not s.restarting
    assert s.status == "running"
    assert s.labels["app"] == "web"
    assert s.image == "jarvis-test/busybox:1"
    assert s.restart_policy == "unless-stopped"
    assert s.health == "none" and s.health_output is None
    assert s.started_at is not None and s.restart_count == 0
    assert s.resource == f"container:{up.name}"
    assert await containers(context(tool_deps)) is not first  # a new pass reads again


async def test_ignored_containers_are_left_out(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    ignored = make_container(labels={"jarvis.ignore": "TRUE"})
    kept = make_container(labels={"jarvis.ignore": "false"})
    names = {c.name for c in await watched(context(tool_deps))}
    assert kept.name in names and ignored.name not in names


async def test_events_tell_a_stop_a_kill_and_an_exit_apart(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    stopped, killed = make_container(), make_container()
    crashed = make_container(["sh", "-c", "echo one; echo two; exit 4"])
    stopped.stop(timeout=5)
    killed.kill(signal="SIGKILL")
    assert wait_for(lambda: all(_exited(c) for c in (stopped, killed, crashed)))
    ctx = context(tool_deps)
    how = {}
    for c in (stopped, killed, crashed):
        how[c.name] = await how_it_stopped(tool_deps, await _state(tool_deps, c.name), ctx.now)
    assert how[stopped.name].how == "stopped"
    assert how[killed.name].how == "killed"
    assert how[killed.name].exit_code == 137
    assert how[crashed.name].how == "exited"
    assert how[crashed.name].exit_code == 4
    assert how[crashed.name].actions[-1] == "die"
    tail = await log_tail(tool_deps, await _state(tool_deps, crashed.name))
    assert tail == "one\ntwo"


def _event(action: str, **attrs: Any) -> dict[str, Any]:
    return {"Action": action, "Actor": {"Attributes": attrs}}


def test_only_the_last_run_counts_and_a_missing_die_is_unknown() -> None:
    # Stopped once (earlier run), then started and crashed: the crash is what counts.
    events = [
        _event("kill", signal="15"),
        _event("die", exitCode="143"),
        _event("stop"),
        _event("start"),
        _event("die", exitCode="1"),
    ]
    info = stop_info(events)
    assert info.how == "exited" and info.exit_code == 1 and info.signal is None
    assert stop_info([_event("oom"), _event("die", exitCode="137")]).how == "oom"
    gone = stop_info([_event("start")])
    assert gone.how == "unknown" and not gone.known
    assert stop_info([]).how == "unknown"
    # The buffer kept the stop and lost the die: still a stop on purpose.
    assert (
        stop_info([_event("start"), _event("kill", signal="15"), _event("stop")]).how == "stopped"
    )
    assert stop_info([_event("stop"), _event("start")]).how == "unknown"


async def test_docker_root_is_asked_once(tool_deps: ToolDeps) -> None:
    ctx = context(tool_deps)
    root = await docker_root(ctx)
    assert root is not None and root.startswith("/")
    assert await docker_root(ctx) == root
