"""Provisioning on the real test bed: Knot (RFC 2136), Caddy, Pebble and a busybox upstream."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
import os
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.settings import Settings
from memory.db import Database, upgrade
from memory.domain_models import DomainStatus, EventCategory, TaskStatus
from memory.domains import Event, find_domain, get_task, list_events
from tests.testbed.caddy_pebble import Caddy, caddy_site_config, served_serial
from tests.testbed.docker_fixtures import MakeContainer
from tests.testbed.knot import KnotServer
from tools.caddy.client import CaddyAdmin
from tools.dns.query import query_records
from tools.workflows.domains import (
    STEPS,
    DomainEnv,
    deprovision,
    provision,
    renew_ssl,
    resume,
)

ROOT = Path(__file__).resolve().parents[3]
# Stops the run right after a chosen step is recorded, the way a crash would.
DRIVER = """
import asyncio, json, os, sys
from core.settings import Settings
from memory.db import Database
from tools.workflows.domains import DomainEnv, provision

cfg = json.loads(sys.argv[1])

async def main() -> None:
    settings = Settings(**cfg["settings"])
    db = Database(settings.resolved_database_url)
    env = DomainEnv.from_settings(settings, db)

    async def crash(task, step):
        if step == cfg["stop_after"]:
            os._exit(17)

    env.after_step = crash
    await provision(db, env, cfg["fqdn"], cfg["target"])

asyncio.run(main())
"""


def bed_settings(tmp_path: Path, knot: KnotServer, caddy: Caddy, db_url: str) -> dict[str, Any]:
    """Plain settings values pointing every domains knob at the test bed."""
    return {
        "data_dir": str(tmp_path / "data"),
        "database_url": db_url,
        "domains": {
            "provider": "rfc2136",
            "zones": list(knot.zones),
            "rfc2136_server": f"{knot.host}:{knot.port}",
            "tsig_key_name": knot.key_name,
            "tsig_secret": knot.secret,
            "tsig_algorithm": knot.algorithm,
            "resolvers": [f"{knot.host}:{knot.port}"],
            "caddy_admin_url": caddy.admin,
            "caddy_storage_dir": str(caddy.storage),
            # Caddy 2.6 on the test bed refuses stream_close_delay.
            "caddy_stream_close_delay": None,
            "https_port": caddy.https_port,
            "public_ip": "127.0.0.1",
            "ca_bundle": str(caddy.pebble.root),
            "propagation_deadline_seconds": 10,
            "cert_deadline_seconds": 60,
            "https_deadline_seconds": 15,
        },
    }


class Bed:
    """The settings, database and environment of one test."""

    def __init__(self, raw: dict[str, Any], db: Database, env: DomainEnv, target: str) -> None:
        self.raw = raw
        self.db = db
        self.env = env
        self.target = target


@pytest.fixture
async def bed(
    tmp_path: Path, knot: KnotServer, caddy: Caddy, make_container: MakeContainer
) -> AsyncIterator[Bed]:
    """A fresh SQLite database, Caddy reset to a base config, a busybox httpd upstream."""
    (tmp_path / "data").mkdir()
    url = f"sqlite:///{tmp_path / 'jarvis.db'}"
    upgrade(url)
    base = caddy_site_config(caddy, {})
    httpx.post(f"{caddy.admin}/load", json=base, timeout=10).raise_for_status()
    container = make_container(
        ["sh", "-c", "mkdir -p /www && echo hello from busybox > /www/index.html "
         "&& exec httpd -f -p 80 -h /www"],
        ports={"80/tcp": None},
    )  # fmt: skip
    published = container.ports["80/tcp"]
    assert published, "the upstream's port was not published"
    port = published[0]["HostPort"]
    raw = bed_settings(tmp_path, knot, caddy, url)
    db = Database(url)
    env = DomainEnv.from_settings(Settings(**raw), db)
    try:
        yield Bed(raw, db, env, f"127.0.0.1:{port}")
    finally:
        await env.aclose()
        await db.close()


async def a_records(knot: KnotServer, fqdn: str) -> list[str]:
    return await query_records(fqdn, "A", [f"{knot.host}:{knot.port}"])


async def https_get(caddy: Caddy, fqdn: str) -> httpx.Response:
    trust = ssl.create_default_context(cafile=str(caddy.pebble.root))
    async with httpx.AsyncClient(verify=trust, timeout=5, trust_env=False) as client:
        return await client.get(
            f"https://127.0.0.1:{caddy.https_port}/",
            headers={"Host": fqdn},
            extensions={"sni_hostname": fqdn},
        )


async def test_provision_serves_https_with_a_pebble_certificate_then_deprovision(
    bed: Bed, knot: KnotServer, caddy: Caddy
) -> None:
    seen: list[Event] = []

    async def on_event(event: Event) -> None:
        seen.append(event)

    fqdn = "app.example.test"
    task = await provision(bed.db, bed.env, fqdn, bed.target, on_event=on_event)
    assert task.status == TaskStatus.SUCCEEDED, task.error
    assert all(task.step_done(s) for s in STEPS)
    assert task.attempts == 1
    assert task.step_record("dns_record")["created"] is True
    assert await a_records(knot, fqdn) == ["127.0.0.1"]
    response = await https_get(caddy, fqdn)  # verified against Pebble's issuing root
    assert response.status_code == 200 and "hello from busybox" in response.text
    serial = served_serial(caddy, fqdn)
    domain = await find_domain(bed.db, fqdn)
    assert domain is not None and domain.status == DomainStatus.ACTIVE
    assert domain.cert is not None and int(domain.cert["serial"], 16) == serial
    assert domain.health is not None and domain.health["status_code"] == 200
    assert domain.records == {"A": ["127.0.0.1"]}
    events = await list_events(bed.db, domain.id, task_id=task.id)
    assert [e.id for e in events] == [e.id for e in seen]  # every event reached the listener
    assert len(events) == len(STEPS) + 2  # start, one per step, finish
    assert bed.raw["domains"]["tsig_secret"] not in json.dumps(
        [e.model_dump(mode="json") for e in events]
    )

    gone = await deprovision(bed.db, bed.env, fqdn)
    assert gone.status == TaskStatus.SUCCEEDED, gone.error
    assert await a_records(knot, fqdn) == []
    live, _ = await bed.env.caddy.get_config()
    assert live == caddy_site_config(caddy, {})
    removed = await find_domain(bed.db, fqdn)
    assert removed is not None and removed.status == DomainStatus.REMOVED


async def test_a_run_killed_after_step_4_is_resumed_without_repeating_steps(
    bed: Bed, knot: KnotServer, caddy: Caddy
) -> None:
    fqdn = "resume.example.test"
    cfg = {"settings": bed.raw, "fqdn": fqdn, "target": bed.target, "stop_after": "caddy_route"}
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", DRIVER, json.dumps(cfg)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 17, proc.stderr[-3000:]
    domain = await find_domain(bed.db, fqdn)
    assert domain is not None and domain.status == DomainStatus.PROVISIONING
    (dead,) = [t for t in await _tasks(bed.db, domain.id)]
    assert dead.status == TaskStatus.RUNNING
    assert [s for s in STEPS if dead.step_done(s)] == list(STEPS[:4])
    assert await a_records(knot, fqdn) == ["127.0.0.1"]
    before = await list_events(bed.db, domain.id)

    task = await resume(bed.db, bed.env, dead.id)
    assert task.status == TaskStatus.SUCCEEDED, task.error
    assert task.attempts == 2
    for step in STEPS[:4]:  # recorded once, by the first run
        assert task.steps[step] == dead.steps[step]
    after = await list_events(bed.db, domain.id)
    assert after[: len(before)] == before
    new = after[len(before) :]
    assert not [e for e in new if e.category in (EventCategory.DNS, EventCategory.PROPAGATION)]
    assert not [e for e in new if e.message.startswith("Caddy route generated")]
    assert new[0].data is not None and new[0].data["skipped"] == list(STEPS[:4])
    assert task.step_record("dns_record")["created"] is True  # from the first run's intent
    response = await https_get(caddy, fqdn)
    assert response.status_code == 200
    active = await find_domain(bed.db, fqdn)
    assert active is not None and active.status == DomainStatus.ACTIVE


async def _tasks(db: Database, domain_id: int) -> list[Any]:
    from memory.domains import list_tasks

    return await list_tasks(db, domain_id=domain_id)


class CorruptingCaddy(CaddyAdmin):
    """Loads the change with a handler Caddy does not know (restores, forced, go through)."""

    async def load(self, config: Any, *, if_match: str | None = None, force: bool = False) -> None:
        if not force:
            config = copy.deepcopy(config)
            for server in config["apps"]["http"]["servers"].values():
                for route in server.get("routes", []):
                    if str(route.get("@id", "")).startswith("jarvis-"):
                        route["handle"].append({"handler": "no_such_handler"})
        await super().load(config, if_match=if_match, force=force)


async def test_a_config_caddy_rejects_rolls_back_caddy_and_dns(
    bed: Bed, knot: KnotServer, caddy: Caddy
) -> None:
    fqdn = "broken.example.test"
    live_before, _ = await bed.env.caddy.get_config()
    async with CorruptingCaddy(caddy.admin) as corrupting:
        env = dataclasses.replace(bed.env, caddy=corrupting)
        task = await provision(bed.db, env, fqdn, bed.target)
    assert task.status == TaskStatus.ROLLED_BACK, task.error
    assert task.error is not None and "step 5 (caddy_apply)" in task.error
    assert "no_such_handler" in task.error  # Caddy's own reason
    # People read one sentence; the full error (every undo) stays in the task.
    summary = task.result["summary"] if task.result else ""
    assert summary == (
        f"Provisioning {fqdn} failed at step 5 (caddy apply) and was rolled back: "
        "Caddy config change failed."
    )
    assert task.step_done("dns_record") and not task.step_done("caddy_apply")
    assert task.result is not None
    snapshot = bed.env.snapshots.get(task.result["intent"]["caddy_snapshot"])
    live, _ = await bed.env.caddy.get_config()
    assert live == snapshot.config == live_before
    assert await a_records(knot, fqdn) == []
    domain = await find_domain(bed.db, fqdn)
    assert domain is not None and domain.status == DomainStatus.FAILED
    events = await list_events(bed.db, domain.id, task_id=task.id)
    assert "rolled back" in events[-1].message


async def test_a_failure_after_the_config_is_live_restores_the_snapshot(
    bed: Bed, knot: KnotServer, caddy: Caddy
) -> None:
    """An upstream nothing listens on: the site answers 502, so step 7 fails and all is undone."""
    fqdn = "dead.example.test"
    live_before, _ = await bed.env.caddy.get_config()
    quick = bed.env.settings.model_copy(update={"https_deadline_seconds": 1.0})
    env = dataclasses.replace(bed.env, settings=quick)
    task = await provision(bed.db, env, fqdn, "127.0.0.1:1")
    assert task.status == TaskStatus.ROLLED_BACK, task.error
    assert task.error is not None and "step 7 (https)" in task.error
    assert task.step_done("caddy_apply") and task.step_done("certificate")
    live, _ = await bed.env.caddy.get_config()
    assert live == live_before
    assert await a_records(knot, fqdn) == []


async def test_renew_ssl_changes_the_serial_without_a_failed_request(
    bed: Bed, caddy: Caddy
) -> None:
    fqdn = "renew.example.test"
    task = await provision(bed.db, bed.env, fqdn, bed.target)
    assert task.status == TaskStatus.SUCCEEDED, task.error
    old = served_serial(caddy, fqdn)
    statuses: list[int | str] = []
    stop = asyncio.Event()

    async def hammer() -> None:
        while not stop.is_set():
            try:
                statuses.append((await https_get(caddy, fqdn)).status_code)
            except httpx.HTTPError as exc:
                statuses.append(f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(0.02)

    load = asyncio.create_task(hammer())
    try:
        renewed = await renew_ssl(bed.db, bed.env, fqdn)
        await asyncio.sleep(0.3)
    finally:
        stop.set()
        await load
    assert renewed.status == TaskStatus.SUCCEEDED, renewed.error
    new = served_serial(caddy, fqdn)
    assert new != old
    assert int(renewed.step_record("renew")["new_serial"], 16) == new
    assert len(statuses) > 5 and set(statuses) == {200}, statuses
    domain = await find_domain(bed.db, fqdn)
    assert domain is not None and domain.cert is not None
    assert int(domain.cert["serial"], 16) == new
    assert (await get_task(bed.db, renewed.id)).status == TaskStatus.SUCCEEDED
