"""The Docker tools against the real Docker Engine test bed."""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docker
import pytest
from pydantic import ValidationError

from core.errors import BadInput, Conflict, NotFound, Unreachable
from core.settings import Settings
from tests.testbed.docker_fixtures import IMAGE, MakeContainer, wait_for
from tools.deps import ToolDeps
from tools.docker import client as docker_client_module
from tools.docker import family
from tools.docker.client import connect
from tools.docker.observe import _stats_result
from tools.registry import ToolResult

SPECS = {s.name: s for s in family.specs}
SECOND = 1_000_000_000  # healthcheck durations are in nanoseconds


async def call(tool: str, deps: ToolDeps, /, **kwargs: Any) -> Any:
    """Run a tool's implementation directly (the gate will wrap this later)."""
    spec = SPECS[tool]
    result = await spec._impl(spec.args_model(**kwargs), deps)
    assert isinstance(result, spec.result_model)
    return result


async def preview_of(tool: str, deps: ToolDeps, /, **kwargs: Any) -> str:
    """What an approval would show for this call."""
    spec = SPECS[tool]
    assert spec._preview is not None
    text = await spec._preview(spec.args_model(**kwargs), deps)
    assert text is not None
    return text


def mark() -> str:
    return uuid.uuid4().hex[:10]


def test_registry_metadata() -> None:
    risks = {name: spec.risk for name, spec in SPECS.items()}
    assert risks == {
        "docker.list_containers": "read",
        "docker.inspect_container": "read",
        "docker.container_logs": "read",
        "docker.container_stats": "read",
        "docker.start_container": "write",
        "docker.stop_container": "write",
        "docker.restart_container": "write",
        "docker.remove_container": "destructive",
        "docker.list_images": "read",
        "docker.disk_usage": "read",
        "docker.prune": "destructive",
        "docker.reclaim_space": "write",
        "docker.list_compose_projects": "read",
        "docker.check_compose_file": "read",
    }
    # Names, labels, images, logs and commands are text someone else controls.
    assert all(s.untrusted_output for s in SPECS.values())
    restart = SPECS["docker.restart_container"]
    assert restart.resource_for(restart.args_model(name="plex")) == "container:plex"
    assert SPECS["docker.prune"].resource == "docker:prune"
    for spec in SPECS.values():
        assert len(spec.description) > 80, spec.name
        assert issubclass(spec.result_model, ToolResult)


def test_bad_args_are_refused() -> None:
    def args(tool: str, **kw: Any) -> Any:
        return SPECS[tool].args_model(**kw)

    bad: list[tuple[str, dict[str, Any]]] = [
        ("docker.list_containers", {"bogus": 1}),
        ("docker.inspect_container", {"name": "../etc/passwd"}),
        ("docker.inspect_container", {"name": "-rf"}),
        ("docker.container_logs", {"name": "x", "tail": 0}),
        ("docker.container_logs", {"name": "x", "tail": 5001}),
        ("docker.container_logs", {"name": "x", "grep": "(", "regex": True}),
        ("docker.container_logs", {"name": "x", "since": "yesterday-ish"}),
        ("docker.stop_container", {"name": "x", "timeout": -1}),
        ("docker.prune", {"what": []}),
        ("docker.prune", {"what": ["everything"]}),
        ("docker.prune", {"what": ["containers", "containers"]}),
        ("docker.prune", {"what": ["build_cache"], "label": "jarvis.test=1"}),
        ("docker.prune", {"what": ["containers"], "label": "a b"}),
        ("docker.list_compose_projects", {"project": "Bad Name"}),
    ]
    for tool, kw in bad:
        with pytest.raises(ValidationError):
            args(tool, **kw)
    assert args("docker.container_logs", name="x", since="15m").since == "15m"
    assert args("docker.container_logs", name="a" * 64).name == "a" * 64


def test_since_too_far_back_is_a_validation_error() -> None:
    logs = SPECS["docker.container_logs"].args_model
    for since in (10**11, "99999999999d", str(10**11), 11 * 366 * 86400):
        with pytest.raises(ValidationError, match="at most 10 years"):
            logs(name="x", since=since)
    assert logs(name="x", since="3000d").since == "3000d"
    assert logs(name="x", since=9 * 365 * 86400).since == 9 * 365 * 86400


def test_grep_patterns_are_checked_by_the_engine_that_searches() -> None:
    logs = SPECS["docker.container_logs"].args_model
    # `regex` syntax that Python's `re` refuses: the validator must not refuse it.
    assert logs(name="x", grep=r"\p{Lu}+ disk", regex=True).grep == r"\p{Lu}+ disk"
    for bad, why in [
        (r"(?:(?:.{1000}){1000}){1000}", "too large"),  # `regex` would expand it: GBs
        ("(?x)(?:(?:.{1 0 0 0}){1 0 0 0}){1000}", "verbose"),  # counts may hide in spaces
        ("(", "not a valid regular expression"),
    ]:
        started = time.monotonic()
        with pytest.raises(ValidationError, match=why):
            logs(name="x", grep=bad, regex=True)
        assert time.monotonic() - started < 1
    assert logs(name="x", grep="(?:(?:.{1000}){1000}){1000}").grep  # plain text: fine


async def test_unreachable_engine_names_the_address(settings: Settings) -> None:
    deps = ToolDeps(
        settings, environ={"DOCKER_HOST": "unix:///nonexistent.sock"}, docker_factory=connect
    )
    for tool, kw in [("docker.list_containers", {}), ("docker.inspect_container", {"name": "x"})]:
        with pytest.raises(Unreachable) as err:
            await call(tool, deps, **kw)
        assert "unix:///nonexistent.sock" in err.value.message
        assert "not reachable" in err.value.message


@pytest.mark.docker
async def test_unknown_container_is_not_found(tool_deps: ToolDeps) -> None:
    ghost = f"jarvis-test-ghost-{mark()}"
    for tool in (
        "docker.inspect_container",
        "docker.container_logs",
        "docker.stop_container",
        "docker.remove_container",
    ):
        with pytest.raises(NotFound) as err:
            await call(tool, tool_deps, name=ghost)
        assert err.value.message == f"no container named {ghost!r}"


@pytest.mark.docker
async def test_list_containers(
    tool_deps: ToolDeps, make_container: MakeContainer, docker_client: docker.DockerClient
) -> None:
    project = f"jarvistest{mark()}"
    compose = {
        "com.docker.compose.project": project,
        "com.docker.compose.project.working_dir": "/home/evin/contain/demo",
        "com.docker.compose.project.config_files": "/home/evin/contain/demo/compose.yaml",
    }
    web = make_container(
        "httpd -f -p 80 -h /www",
        labels={**compose, "com.docker.compose.service": "web"},
        ports={"80/tcp": None},
        healthcheck={"test": ["CMD", "true"], "interval": SECOND // 2, "retries": 1},
    )
    crashy = make_container(
        ["sh", "-c", "echo boom; exit 3"],
        labels={**compose, "com.docker.compose.service": "worker"},
        restart_policy={"Name": "on-failure", "MaximumRetryCount": 2},
    )
    idle = make_container(labels=compose, start=False)

    def settled() -> bool:
        web.reload()
        crashy.reload()
        health = web.attrs["State"].get("Health", {}).get("Status")
        return (
            health == "healthy"
            and crashy.attrs["RestartCount"] == 2
            and (crashy.status == "exited")
        )

    assert wait_for(settled, timeout=20), (web.attrs["State"], crashy.attrs["State"])
    host_port = int(web.ports["80/tcp"][0]["HostPort"])
    with urllib.request.urlopen(f"http://127.0.0.1:{host_port}/", timeout=5) as resp:
        assert resp.read() == b"jarvis test page\n"

    result = await call("docker.list_containers", tool_deps, project=project)
    by_name = {c.name: c for c in result.containers}
    assert set(by_name) == {web.name, crashy.name, idle.name}
    w = by_name[web.name]
    assert (w.id, w.image, w.state, w.health) == (web.id[:12], IMAGE, "running", "healthy")
    assert w.status.startswith("Up") and "(healthy)" in w.status
    assert [p.model_dump() for p in w.ports] == [
        {"container_port": 80, "protocol": "tcp", "host_ip": "127.0.0.1", "host_port": host_port}
    ]
    assert (w.compose_project, w.compose_service) == (project, "web")
    assert w.started_at is not None and w.uptime_seconds is not None
    assert 0 <= w.uptime_seconds < 120
    assert abs(w.started_at - datetime.now(UTC)) < timedelta(minutes=2)
    assert w.restart_count == 0
    c = by_name[crashy.name]
    assert (c.state, c.restart_count, c.compose_service, c.uptime_seconds) == (
        "exited",
        2,
        "worker",
        None,
    )
    assert c.health == "none" and c.ports == []
    assert by_name[idle.name].state == "created"
    assert by_name[idle.name].started_at is None

    running = await call("docker.list_containers", tool_deps, project=project, all=False)
    assert [x.name for x in running.containers] == [web.name]
    narrowed = await call("docker.list_containers", tool_deps, name_contains=web.name[-6:].upper())
    assert [x.name for x in narrowed.containers] == [web.name]
    assert not result.is_empty()
    nothing = await call("docker.list_containers", tool_deps, project=f"none{mark()}")
    assert nothing.containers == [] and nothing.is_empty()
    assert docker_client.api.inspect_container(crashy.id)["RestartCount"] == 2


@pytest.mark.docker
async def test_inspect_hides_every_env_value(
    tool_deps: ToolDeps, make_container: MakeContainer, tmp_path: Path
) -> None:
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    plain = f"plain-{uuid.uuid4().hex}"
    ct = make_container(
        environment={"API_TOKEN": secret, "GREETING": plain, "EMPTY": ""},
        labels={"app": "demo"},
        ports={"8080/tcp": None},
        restart_policy={"Name": "unless-stopped"},
        volumes={str(tmp_path): {"bind": "/data", "mode": "ro"}},
    )
    result = await call("docker.inspect_container", tool_deps, name=ct.name)
    dumped = result.model_dump_json()
    assert secret not in dumped and plain not in dumped
    assert result.env["API_TOKEN"].startswith("[[secret:")
    assert result.env["GREETING"].startswith("[[secret:")
    assert result.env["API_TOKEN"] != result.env["GREETING"]
    assert result.env["EMPTY"] == ""
    assert result.env["PATH"].startswith("[[secret:")  # from the image, hidden all the same
    assert (result.name, result.id, result.image) == (ct.name, ct.id[:12], IMAGE)
    assert result.state.running and result.state.status == "running"
    assert result.state.started_at is not None and result.state.health == "none"
    assert result.restart_policy.name == "unless-stopped"
    assert result.labels["app"] == "demo" and result.labels["jarvis.test"] == "1"
    assert result.command == ["sleep", "600"]
    [mount] = result.mounts
    assert (mount.type, mount.source, mount.destination) == ("bind", str(tmp_path), "/data")
    assert not mount.read_write
    assert [(p.container_port, p.host_ip) for p in result.ports] == [(8080, "127.0.0.1")]
    assert result.networks[0].network == "bridge" and result.networks[0].ip_address
    by_id = await call("docker.inspect_container", tool_deps, name=ct.id)
    assert by_id.name == ct.name


@pytest.mark.docker
async def test_logs_tail_grep_since(tool_deps: ToolDeps, make_container: MakeContainer) -> None:
    script = (
        'for i in $(seq 1 50); do echo "line $i"; done; '
        'sleep 0.3; echo "ERROR disk full" >&2; sleep 0.3; '
        'printf "\\033[31mred\\033[0m\\n"; echo done; sleep 600'
    )
    ct = make_container(["sh", "-c", script])
    assert wait_for(lambda: b"done" in ct.logs(), timeout=10)

    async def logs(**kw: Any) -> Any:
        return await call("docker.container_logs", tool_deps, name=ct.name, **kw)

    tail = await logs(tail=5)
    assert tail.lines == ["line 49", "line 50", "ERROR disk full", "red", "done"]
    assert tail.truncated
    everything = await logs(tail=100)
    assert len(everything.lines) == 53 and not everything.truncated
    assert everything.lines[0] == "line 1"
    assert (await logs(grep="error")).lines == ["ERROR disk full"]
    assert (await logs(grep="error", ignore_case=False)).is_empty()
    regex = await logs(grep=r"^line 4\d$", regex=True, tail=3)
    assert regex.lines == ["line 47", "line 48", "line 49"] and regex.truncated
    assert (await logs(grep="line 4.", tail=50)).is_empty()  # plain text, not a pattern
    upper = await logs(grep=r"^\p{Lu}+ disk", regex=True, ignore_case=False)
    assert upper.lines == ["ERROR disk full"]
    stamped = await logs(tail=1, timestamps=True)
    assert stamped.lines[0].endswith(" done")
    assert datetime.fromisoformat(stamped.lines[0].split()[0][:19]).year >= 2024
    assert len((await logs(since=3600)).lines) == 53
    assert len((await logs(since="1h")).lines) == 53
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await logs(since=future)).is_empty()
    assert SPECS["docker.container_logs"].untrusted_output


@pytest.mark.docker
async def test_a_catastrophic_regex_cannot_hang_the_search(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    word = "a" * 32 + "!"
    ct = make_container(["sh", "-c", f"for i in $(seq 1 40); do echo {word}; done; sleep 600"])
    assert wait_for(lambda: ct.logs().count(b"!") == 40, timeout=10)

    async def logs(**kw: Any) -> Any:
        call_ = call("docker.container_logs", tool_deps, name=ct.name, **kw)
        return await asyncio.wait_for(call_, timeout=20)

    # Exponential backtracking in any engine: the whole search gets about one second.
    started = time.monotonic()
    with pytest.raises(BadInput, match="too slow to search the logs; use a simpler one"):
        await logs(grep=r"(\w|\w\w)+$", regex=True)
    assert time.monotonic() - started < 5
    # The review's example, which `re` takes forever on, is quick with `regex`.
    assert (await logs(grep=r"(\w+\s?)+$", regex=True)).is_empty()
    # Plain text is searched without the budget.
    assert len((await logs(grep=word, tail=100)).lines) == 40


def test_stats_without_pids_stats_are_of_a_running_container() -> None:
    """Rootless Docker and cgroup v2 without the pids controller send no `pids_stats`."""
    stats: dict[str, Any] = {
        "read": "2026-11-24T08:00:02.123456789Z",
        "name": "/web",
        "id": "0123456789abcdef0123",
        "pids_stats": {},
        "cpu_stats": {
            "cpu_usage": {"total_usage": 3_000_000},
            "system_cpu_usage": 20_000_000,
            "online_cpus": 2,
        },
        "precpu_stats": {"cpu_usage": {"total_usage": 1_000_000}, "system_cpu_usage": 10_000_000},
        "memory_stats": {"usage": 300, "limit": 1000, "stats": {"inactive_file": 100}},
    }
    for sample in (stats, {k: v for k, v in stats.items() if k != "pids_stats"}):
        result = _stats_result("web", sample)
        assert (result.name, result.id, result.pids) == ("web", "0123456789ab", None)
        assert (result.cpu_percent, result.online_cpus) == (40.0, 2)
        assert (result.memory_usage_bytes, result.memory_percent) == (200, 20.0)
    with pytest.raises(Conflict, match="not running"):
        _stats_result("web", {**stats, "read": "0001-01-01T00:00:00Z"})


@pytest.mark.docker
async def test_stats_of_a_busy_container(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    busy = make_container(["sh", "-c", "while :; do :; done"])
    stats = await call("docker.container_stats", tool_deps, name=busy.name)
    assert stats.name == busy.name and stats.id == busy.id[:12]
    assert 20 < stats.cpu_percent <= stats.online_cpus * 100 + 5
    assert 0 < stats.memory_usage_bytes <= stats.memory_limit_bytes
    assert stats.memory_percent == pytest.approx(
        stats.memory_usage_bytes / stats.memory_limit_bytes * 100, abs=1e-4
    )
    assert stats.pids >= 2  # init + sh
    assert stats.net_rx_bytes >= 0 and stats.net_tx_bytes >= 0
    assert stats.read_at is not None

    stopped = make_container(start=False)
    with pytest.raises(Conflict, match="not running"):
        await call("docker.container_stats", tool_deps, name=stopped.name)


@pytest.mark.docker
async def test_stop_start_restart(
    tool_deps: ToolDeps, make_container: MakeContainer, docker_client: docker.DockerClient
) -> None:
    ct = make_container()
    first_start = ct.attrs["State"]["StartedAt"]

    def engine_state() -> dict[str, Any]:
        state: dict[str, Any] = docker_client.api.inspect_container(ct.id)["State"]
        return state

    stopped = await call("docker.stop_container", tool_deps, name=ct.name, timeout=2)
    assert (stopped.previous_state, stopped.state, stopped.running) == ("running", "exited", False)
    assert stopped.changed and stopped.finished_at is not None
    assert engine_state()["Status"] == "exited"

    started = await call("docker.start_container", tool_deps, name=ct.name)
    assert (started.previous_state, started.state, started.running) == ("exited", "running", True)
    assert started.changed and engine_state()["StartedAt"] != first_start
    assert started.started_at is not None and started.started_at > stopped.finished_at - timedelta(
        seconds=1
    )

    again = await call("docker.start_container", tool_deps, name=ct.name)
    assert not again.changed and again.started_at == started.started_at

    restarted = await call("docker.restart_container", tool_deps, name=ct.id[:12], timeout=2)
    assert restarted.state == "running" and restarted.changed
    assert restarted.started_at is not None and restarted.started_at > started.started_at
    assert restarted.name == ct.name
    assert engine_state()["Running"] is True


@pytest.mark.docker
async def test_stop_an_auto_remove_container(
    tool_deps: ToolDeps, make_container: MakeContainer, docker_client: docker.DockerClient
) -> None:
    ct = make_container(auto_remove=True)  # `docker run --rm`
    stopped = await call("docker.stop_container", tool_deps, name=ct.name, timeout=2)
    assert (stopped.name, stopped.id, stopped.action) == (ct.name, ct.id[:12], "stop")
    assert (stopped.previous_state, stopped.state, stopped.running) == (
        "running",
        "removed",
        False,
    )
    assert stopped.changed
    with pytest.raises(docker.errors.NotFound):
        docker_client.api.inspect_container(ct.id)


@pytest.mark.docker
async def test_remove_container(
    tool_deps: ToolDeps, make_container: MakeContainer, docker_client: docker.DockerClient
) -> None:
    ct = make_container()
    with pytest.raises(Conflict):
        await call("docker.remove_container", tool_deps, name=ct.name)
    assert docker_client.containers.get(ct.id).status == "running"

    preview = await preview_of("docker.remove_container", tool_deps, name=ct.name, force=True)
    assert ct.name in preview and "running" in preview

    removed = await call("docker.remove_container", tool_deps, name=ct.name, force=True)
    assert (removed.name, removed.id, removed.was_running) == (ct.name, ct.id[:12], True)
    with pytest.raises(docker.errors.NotFound):
        docker_client.containers.get(ct.id)


@pytest.mark.docker
async def test_prune_only_touches_labelled_containers(
    tool_deps: ToolDeps, make_container: MakeContainer, docker_client: docker.DockerClient
) -> None:
    tag = mark()
    label = f"jarvis.test.prune={tag}"
    doomed = [make_container("true", labels={"jarvis.test.prune": tag}) for _ in range(2)]
    other_stopped = make_container("true")
    running = make_container(labels={"jarvis.test.prune": tag})
    assert wait_for(
        lambda: all(docker_client.containers.get(c.id).status == "exited" for c in doomed)
    )

    preview = await preview_of("docker.prune", tool_deps, what=["containers"], label=label)
    assert all(c.name in preview for c in doomed) and running.name not in preview

    result = await call("docker.prune", tool_deps, what=["containers"], label=label)
    [outcome] = result.results
    assert outcome.kind == "containers" and result.count == 2
    assert sorted(outcome.deleted) == sorted(c.id[:12] for c in doomed)
    for c in doomed:
        with pytest.raises(docker.errors.NotFound):
            docker_client.containers.get(c.id)
    assert docker_client.containers.get(other_stopped.id).status == "exited"
    assert docker_client.containers.get(running.id).status == "running"
    assert result.space_reclaimed_bytes >= 0


@pytest.mark.docker
async def test_images_and_disk_usage(
    tool_deps: ToolDeps, make_container: MakeContainer, busybox_image: str
) -> None:
    make_container()
    images = await call("docker.list_images", tool_deps, reference="jarvis-test/*")
    [img] = [i for i in images.images if IMAGE in i.tags]
    assert img.size_bytes > 1_000_000 and img.containers >= 1 and not img.dangling
    assert images.total_size_bytes >= img.size_bytes
    assert (await call("docker.list_images", tool_deps, reference="nothing-like-this")).is_empty()

    df = await call("docker.disk_usage", tool_deps)
    assert df.images.count >= 1 and df.images.active >= 1
    assert df.images.size_bytes >= img.size_bytes
    assert 0 <= df.images.reclaimable_bytes <= df.images.size_bytes
    assert df.containers.count >= 1 and df.containers.active >= 1
    assert df.total_size_bytes == sum(
        c.size_bytes for c in (df.images, df.containers, df.volumes, df.build_cache)
    )
    assert any(d.kind == "image" and d.name == IMAGE for d in df.largest)


@pytest.mark.docker
async def test_compose_projects(tool_deps: ToolDeps, make_container: MakeContainer) -> None:
    project = f"jarvistest{mark()}"
    labels = {
        "com.docker.compose.project": project,
        "com.docker.compose.project.working_dir": f"/home/evin/contain/{project}",
        "com.docker.compose.project.config_files": "/a/compose.yaml,/a/compose.override.yaml",
    }
    app = make_container(labels={**labels, "com.docker.compose.service": "app"})
    db = make_container(labels={**labels, "com.docker.compose.service": "db"}, start=False)
    result = await call("docker.list_compose_projects", tool_deps, project=project)
    [p] = result.projects
    assert (p.name, p.status) == (project, "partial")
    assert p.working_dir == f"/home/evin/contain/{project}"
    assert p.config_files == ["/a/compose.yaml", "/a/compose.override.yaml"]
    services = {s.name: s for s in p.services}
    assert services["app"].running == 1 and services["app"].containers[0].name == app.name
    assert services["db"].running == 0 and services["db"].containers[0].state == "created"
    assert services["db"].containers[0].name == db.name
    everything = await call("docker.list_compose_projects", tool_deps)
    assert project in {x.name for x in everything.projects}
    assert (await call("docker.list_compose_projects", tool_deps, project=f"no{mark()}")).is_empty()


@pytest.mark.docker
async def test_get_many_survives_its_pool_being_closed_mid_use(
    tool_deps: ToolDeps, make_container: MakeContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    cts = [make_container(start=False) for _ in range(3)]
    client = tool_deps.docker
    pool = docker_client_module._raw_pool(client)
    assert pool is not None
    real_urlopen = pool.urlopen

    def urlopen(*args: Any, **kwargs: Any) -> Any:
        resp = real_urlopen(*args, **kwargs)
        # docker-py keeps one pool per URL in a cache of 25 and closes those it drops:
        # calls to other URLs (other threads, in real use) close this one while in use.
        for i in range(30):
            with contextlib.suppress(docker.errors.NotFound):
                client.api.inspect_container(f"jarvis-test-none-{i}")
        return resp

    monkeypatch.setattr(pool, "urlopen", urlopen)
    paths = [f"/containers/{c.id}/json" for c in cts] + [f"/containers/none-{mark()}/json"]
    got = await asyncio.to_thread(docker_client_module.get_many, client, paths)
    assert [g["Id"] for g in got[:3]] == [c.id for c in cts] and got[3] is None
    assert pool.pool is None  # it was closed under get_many, which went on with a fresh one
    assert docker_client_module._raw_pool(client) is not pool


@pytest.mark.docker
async def test_list_containers_with_a_closed_pool_falls_back_to_the_sdk(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    project = f"jarvistest{mark()}"
    ct = make_container(labels={"com.docker.compose.project": project})
    pool = docker_client_module._raw_pool(tool_deps.docker)
    assert pool is not None
    pool.close()  # and still the one docker-py hands out: no fresh pool to be had
    assert docker_client_module._raw_pool(tool_deps.docker) is pool
    result = await call("docker.list_containers", tool_deps, project=project)
    assert [(c.name, c.state) for c in result.containers] == [(ct.name, "running")]
