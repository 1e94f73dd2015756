"""`jarvis worker`, `diagnose`, `runs` and `schedule` as real processes: embedded and on Redis."""

from __future__ import annotations

import itertools
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.testbed.cli import Cli
from tests.testbed.docker_fixtures import has_exited as exited
from tests.testbed.docker_fixtures import wait_for

REDIS_URL = "redis://127.0.0.1:6379/7"  # a db number of its own; keys under a unique queue
CONTAINERS_ONLY = '[{"name":"tick","kind":"diagnose","every_seconds":10,"checks":["host.memory"]}]'


@pytest.fixture
def cli(tmp_path: Path, db_url: str, docker_host: str) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}
    env.update(
        JARVIS_DATA_DIR=str(tmp_path / "data"),
        JARVIS_DATABASE_URL=db_url,
        JARVIS_AUDIT_SYSLOG="false",
        JARVIS_BACKGROUND__VERIFY_SECONDS="6",
        DOCKER_HOST=docker_host,
        HOME=str(tmp_path),
    )
    return Cli(env)


@pytest.fixture
def redis_cli(cli: Cli) -> Iterator[Cli]:
    queue = f"jarvis-test-{uuid.uuid4().hex[:10]}"
    env = {
        **cli.env,
        "JARVIS_REDIS_URL": REDIS_URL,
        "JARVIS_BACKGROUND__QUEUE_NAME": queue,
        "JARVIS_BACKGROUND__SCHEDULE": CONTAINERS_ONLY,
    }
    yield Cli(env)
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{queue}*"):
        client.delete(key)
    for key in client.scan_iter("arq:*"):
        client.delete(key)
    client.close()


def _stop(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.docker
def test_worker_once_heals_the_opted_in_and_asks_about_the_rest(
    cli: Cli, make_container: Any
) -> None:
    healed = make_container(labels={"jarvis.autoheal": "true"})
    healed.kill()
    crashed = make_container(["sh", "-c", "echo 'cannot reach db'; exit 3"])
    assert wait_for(lambda: exited(healed) and exited(crashed))

    found = cli.json("diagnose")
    named = {f["resource"]: f for f in found["findings"]}
    assert named[f"container:{crashed.name}"]["check"] == "containers.exited"
    assert named[f"container:{healed.name}"]["severity"] == "critical"

    run = cli.json("worker", "--once")
    assert run["kind"] == "remediate" and run["status"] in ("succeeded", "failed")
    assert not exited(healed)
    assert exited(crashed)
    pending = cli.json("approvals", "list", "--status", "pending")
    asked = [a for a in pending if a["resource"] == f"container:{crashed.name}"]
    assert len(asked) == 1 and asked[0]["actor"] == "agent:autonomous"
    assert "containers.exited" in asked[0]["purpose"]

    listed = cli.json("runs", "list")
    assert run["id"] in {r["id"] for r in listed}
    top = next(r for r in listed if r["id"] == run["id"])
    assert healed.name in top["summary"] and crashed.name in top["summary"]
    repairs = [r for r in listed if r["kind"] == "repair" and r["parent_id"] == run["id"]]
    healing = [r for r in repairs if healed.name in (r["summary"] or "")]
    assert healing and healing[0]["status"] == "succeeded"
    shown = cli.json("runs", "show", run["id"])
    assert shown["id"] == run["id"] and shown["status"] == run["status"]
    assert "no run" in cli("runs", "show", "nope", code=1).stderr


def test_checks_and_schedule_are_listed(cli: Cli) -> None:
    checks = cli.json("diagnose", "--list-checks")["checks"]
    ids = {c["id"] for c in checks}
    assert len(ids) >= 8 and {"containers.exited", "host.disk", "audit.chain"} <= ids
    schedule = cli.json("schedule", "show")["schedule"]
    assert {j["name"] for j in schedule} >= {"patrol", "maintenance", "summary"}
    assert all(j["next_run"] for j in schedule)
    assert "unknown run kind" in cli("runs", "start", "dance", code=2).stderr


@pytest.mark.docker
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # processes share a server
def test_runs_start_is_done_by_a_separate_worker_on_redis(redis_cli: Cli) -> None:
    workers = [redis_cli.spawn("worker"), redis_cli.spawn("worker")]
    try:
        started = time.monotonic()
        ids = [redis_cli.json("runs", "start", "diagnose")["id"] for _ in range(4)]
        assert time.monotonic() - started < 60

        def done() -> bool:
            shown = [redis_cli.json("runs", "show", i) for i in ids]
            return all(s["status"] in ("succeeded", "failed") for s in shown)

        assert wait_for(done, timeout=90, every=1.0), [p.poll() for p in workers]
        for run_id in ids:
            shown = redis_cli.json("runs", "show", run_id)
            assert shown["status"] == "succeeded", shown
            assert shown["attempts"] == 1  # two workers never ran the same run
            pids = {str(p.pid) for p in workers}
            assert shown["worker"].rsplit(":", 1)[-1] in pids
        # Exactly one worker owns the schedule: the 10 s job starts once per period, never
        # twice in one (two owners would start it twice, seconds apart).
        time.sleep(12)
        ticks = [
            datetime.fromisoformat(r["queued_at"])
            for r in redis_cli.json("runs", "list", "--kind", "diagnose", "--limit", "200")
            if r["trigger"] == "schedule"
        ]
        assert len(ticks) >= 2, ticks
        ticks.sort()
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(ticks)]
        assert min(gaps) >= 9, gaps
    finally:
        _stop(workers)
