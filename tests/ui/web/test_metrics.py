"""`GET /metrics` on the real app: Jarvis's counters, counts from the database, who may scrape."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from agent.runtime import Runtime
from core.settings import BackgroundSettings, Settings
from memory import stats
from tests.ui.web.conftest import Server, server_env
from tests.ui.web.test_api import ask_for_write, new_key
from ui.web.metrics import is_loopback, queue_depth
from ui.web.sessions import _guarded

JARVIS = str(Path(sys.executable).parent / "jarvis")
REDIS_URL = "redis://127.0.0.1:6379/7"  # the test db number tests/ui/test_cli_runs.py uses
ELSEWHERE = {"X-Forwarded-For": "203.0.113.9"}  # uvicorn trusts it from loopback only


def scrape(server: Server, headers: dict[str, str] | None = None) -> dict[str, list[Sample]]:
    """The samples of each family /metrics answers with, as a loopback scraper sees them."""
    answer = httpx.get(f"{server.url}/metrics", headers=headers or {}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {f.name: f.samples for f in text_string_to_metric_families(answer.text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """One sample's value (0 when the series is absent)."""
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    return found[0] if found else 0.0


def test_loopback_is_told_from_everything_else() -> None:
    for local in ("127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1"):
        assert is_loopback(local), local
    for remote in ("203.0.113.9", "10.0.0.5", "::ffff:10.0.0.5", "localhost", "", None, "x"):
        assert not is_loopback(remote), remote


def test_only_the_link_pages_and_metrics_skip_the_session_guard() -> None:
    assert not _guarded("/approve/some-id") and not _guarded("/metrics")
    for path in ("/approve", "/approvex/1", "/metrics/x", "/project/action", "/", "/login"):
        assert _guarded(path), path


async def test_tool_calls_through_the_server_are_counted(server: Server, runtime: Runtime) -> None:
    key = await new_key(runtime, "metrics-tools")
    before = scrape(server)
    calls = before.get("jarvis_tool_calls", [])
    base = value(calls, "jarvis_tool_calls_total", tool="domains.health", decision="allow")
    with server.client() as http:
        checked = http.get("/api/v1/domains/health", headers={"X-API-Key": key})
        assert checked.status_code == 200, checked.text
    after = scrape(server)
    calls = after["jarvis_tool_calls"]
    got = value(calls, "jarvis_tool_calls_total", tool="domains.health", decision="allow")
    assert got == base + 1
    assert value(after["jarvis_gate_seconds"], "jarvis_gate_seconds_count") >= 1
    assert "jarvis_notifications" in after  # defined; the notifier counts into it
    assert value(after["process_resident_memory_bytes"], "process_resident_memory_bytes") > 0
    assert "jarvis_queue_depth" not in after  # embedded mode: no queue


async def test_pending_approvals_are_counted(server: Server, runtime: Runtime) -> None:
    before = value(scrape(server)["jarvis_approvals_pending"], "jarvis_approvals_pending")
    await ask_for_write(runtime, server, f"metrics-{uuid.uuid4().hex[:6]}.yaml")
    await ask_for_write(runtime, server, f"metrics-{uuid.uuid4().hex[:6]}.yaml")
    after = value(scrape(server)["jarvis_approvals_pending"], "jarvis_approvals_pending")
    assert after == before + 2


@pytest.mark.docker
async def test_runs_and_findings_are_counted(
    server: Server, runtime: Runtime, docker_host: str
) -> None:
    env = server_env(server.data_dir.parent, server.db_url, server.data_dir, server.edit_root)
    env.update(DOCKER_HOST=docker_host, JARVIS_AUDIT_SYSLOG="false")
    before = scrape(server)["jarvis_runs_total"]
    done = value(before, "jarvis_runs_total", kind="diagnose", status="succeeded")
    started = subprocess.run(
        [JARVIS, "runs", "start", "diagnose", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout)["status"] == "succeeded"
    after = scrape(server)
    assert (
        value(after["jarvis_runs_total"], "jarvis_runs_total", kind="diagnose", status="succeeded")
        == done + 1
    )
    open_now = await stats.open_findings_by_check(runtime.db)
    shown = {s.labels["check"]: s.value for s in after.get("jarvis_findings_open", [])}
    assert shown == open_now


async def test_only_loopback_scrapes_without_a_key(server: Server, runtime: Runtime) -> None:
    key = await new_key(runtime, "prometheus")
    refused = httpx.get(f"{server.url}/metrics", headers=ELSEWHERE, timeout=30)
    assert refused.status_code == 401 and "jarvis_" not in refused.text
    wrong = httpx.get(
        f"{server.url}/metrics", headers={**ELSEWHERE, "X-API-Key": key[:-2] + "zz"}, timeout=30
    )
    assert wrong.status_code == 401
    for auth in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
        assert "jarvis_approvals_pending" in scrape(server, {**ELSEWHERE, **auth})


async def test_queue_depth_in_redis_mode() -> None:
    queue = f"jarvis-test-{uuid.uuid4().hex[:10]}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.zadd(queue, {"job-a": 1, "job-b": 2, "job-c": 3})
        settings = Settings(redis_url=REDIS_URL, background=BackgroundSettings(queue_name=queue))
        assert await queue_depth(settings) == 3
        assert await queue_depth(Settings()) is None
    finally:
        client.delete(queue)
        client.close()
