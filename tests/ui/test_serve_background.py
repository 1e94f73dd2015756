"""`jarvis serve` keeps the schedule: a killed opted-in container is healed with nobody asking,
and a server killed mid-run has its run taken up by the next one."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.testbed.docker_fixtures import wait_for
from tests.testbed.jarvis_server import JarvisServer

pytestmark = pytest.mark.docker
TICK = '[{"name":"tick","kind":"remediate","every_seconds":10,"checks":["containers.*"]}]'


def runs_of(server: JarvisServer) -> list[dict[str, Any]]:
    done = server.jarvis("runs", "list", "--json", "--limit", "200")
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_serve_heals_on_schedule_and_takes_up_a_killed_run(
    tmp_path: Path, docker_host: str, make_container: Any
) -> None:
    box = make_container(labels={"jarvis.autoheal": "true"})
    server = JarvisServer(
        tmp_path,
        f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}",
        docker_host,
        background=True,
        extra_env={
            "JARVIS_BACKGROUND__SCHEDULE": TICK,
            "JARVIS_BACKGROUND__STALE_RUN_SECONDS": "10",
            "JARVIS_BACKGROUND__VERIFY_SECONDS": "6",
        },
    )
    server.start()
    try:
        box.kill()

        def healed() -> bool:
            box.reload()
            return bool(box.status == "running")

        assert wait_for(healed, timeout=60, every=0.5), server.log()
        scheduled: list[dict[str, Any]] = []

        def reported() -> bool:
            # The pass writes its summary once the repair is verified, a few seconds later.
            scheduled[:] = [
                r for r in runs_of(server) if r["trigger"] == "schedule" and not r["parent_id"]
            ]
            return any(box.name in (r["summary"] or "") for r in scheduled)

        assert wait_for(reported, timeout=60, every=1.0), scheduled
        assert all(r["options"]["job"] == "tick" for r in scheduled)

        os.killpg(server.proc.pid, signal.SIGKILL)  # type: ignore[union-attr]
        server.proc.wait(timeout=10)  # type: ignore[union-attr]
    finally:
        server.stop()
    # Leave a run claimed by a process that no longer exists (what kill -9 leaves behind).
    with sqlite3.connect(tmp_path / "data" / "jarvis.db") as conn:
        conn.execute(
            "INSERT INTO agent_runs (id, kind, actor, status, trigger, queued_at, started_at,"
            " heartbeat_at, worker, attempts, options, findings, actions, approvals)"
            " VALUES ('dead-run', 'diagnose', 'agent:autonomous', 'running', 'schedule',"
            " '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'gone:1',"
            " 1, '{}', '[]', '[]', '[]')"
        )
    server.start()
    try:

        def taken_up() -> bool:
            row = json.loads(server.jarvis("runs", "show", "dead-run", "--json").stdout)
            return bool(row["status"] == "succeeded" and row["attempts"] == 2)

        assert wait_for(taken_up, timeout=60, every=1.0), server.log()
    finally:
        server.stop()
