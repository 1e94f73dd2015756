"""Benchmark diagnose: all checks in one pass over 100 containers and 200 domains.

The pass is timed next to its slowest check run alone.

Run: .venv/bin/python scripts/bench_diagnose.py [--runs 5] [--containers 100] [--domains 200]
Needs a Docker Engine (DOCKER_HOST or the default socket; the busybox test image is built from
the host's busybox when missing, never pulled), knotd and caddy. It makes:
- containers labelled jarvis.bench=diagnose: running, unhealthy (healthcheck `false`), crashed
  (exit 3), finished (exit 0), stopped on purpose, and given up after 3 on-failure restarts;
- active managed domains in a temporary SQLite database, served over HTTPS on 127.0.0.1 by the
  local endpoints of tests/testbed/tls_endpoints.py (a private CA handed over as the CA bundle;
  a few certificates expiring, expired, for the wrong name or from another CA), their A
  records on a local Knot (a few pointing elsewhere), their routes in a local Caddy (a few
  missing), and an audit log of --audit-entries entries.
Then, --runs times: each check alone (a fresh CheckContext each, so nothing is shared), and all
checks in one pass. Target: the pass within 1.5x its slowest single check.
Everything made is removed at the end. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docker
import httpx
from docker.models.containers import Container

from agent.runtime import Runtime, build_runtime
from core.settings import Settings
from memory.audit import record
from memory.domain_models import DomainStatus
from memory.domains import NewDomain, create_domain
from scripts.bench_support import docker_engine, ensure_image
from tests.testbed.knot import KnotServer, free_port, running_knot
from tests.testbed.tls_endpoints import TlsTestbed
from tools.caddy.desired import ManagedSite, build_desired
from tools.checks.base import Check, CheckContext
from tools.checks.catalog import all_checks
from tools.checks.runner import CheckOutcome, diagnose, run_checks
from tools.workflows.domain_env import build_provider

LABEL = "jarvis.bench"
LABEL_VALUE = "diagnose"
OWNER = "jarvis.bench.owner"
ZONE = "bed.test"  # the names tests/testbed/tls_endpoints.py serves
UPSTREAM = "127.0.0.1:8080"
WRONG_ADDRESS = "203.0.113.9"
SECOND = 1_000_000_000

# Container kinds and their share of --containers.
CONTAINER_MIX = {
    "running": 0.55,
    "unhealthy": 0.15,
    "crashed": 0.15,
    "finished": 0.05,
    "stopped": 0.05,
    "gave_up": 0.05,
}
# Domain kinds (all on the one HTTPS port the settings name) and their share of --domains.
DOMAIN_MIX = {"healthy": 0.85, "expiring": 0.05, "expired": 0.05, "wrong_name": 0.025,
              "untrusted": 0.025}  # fmt: skip
DNS_WRONG = 5  # domains whose A record points elsewhere
ROUTES_MISSING = 3  # domains whose Caddy route is missing


def split(total: int, mix: dict[str, float]) -> dict[str, int]:
    """`total` spread over the mix's kinds (the first kind takes the rounding)."""
    counts = {k: int(total * share) for k, share in mix.items()}
    first = next(iter(mix))
    counts[first] += total - sum(counts.values())
    return counts


# ---- containers -------------------------------------------------------------------------


def _owner_alive(owner: str) -> bool:
    try:
        os.kill(int(owner), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def remove_containers(client: docker.DockerClient, only_mine: bool) -> int:
    """Remove this run's containers (or, before it, those of runs that are gone)."""
    removed = 0
    for row in client.api.containers(all=True, filters={"label": f"{LABEL}={LABEL_VALUE}"}):
        owner = (row.get("Labels") or {}).get(OWNER, "")
        mine = owner == str(os.getpid())
        if mine if only_mine else not _owner_alive(owner):
            with contextlib.suppress(docker.errors.NotFound):
                client.api.remove_container(row["Id"], force=True, v=True)
                removed += 1
    return removed


def _make(client: docker.DockerClient, image: str, kind: str, n: int) -> Container:
    options: dict[str, Any] = {"command": "sleep 3600"}
    if kind == "unhealthy":
        options["healthcheck"] = {
            "test": ["CMD", "false"],
            "interval": 10 * SECOND,
            "timeout": 2 * SECOND,
            "retries": 1,
        }
    elif kind == "crashed":
        options["command"] = ["sh", "-c", "echo starting; echo 'fatal: boom' >&2; exit 3"]
    elif kind == "finished":
        options["command"] = ["sh", "-c", "echo done"]
    elif kind == "gave_up":
        options["command"] = ["sh", "-c", "echo 'cannot connect' >&2; exit 1"]
        options["restart_policy"] = {"Name": "on-failure", "MaximumRetryCount": 3}
    box = client.containers.create(
        image,
        name=f"jarvis-bench-{kind}-{os.getpid()}-{n:03d}",
        labels={LABEL: LABEL_VALUE, OWNER: str(os.getpid())},
        init=True,  # a real PID 1: `docker stop` is quick
        **options,
    )
    box.start()
    if kind == "stopped":
        box.stop(timeout=5)
    return box


def _settled(client: docker.DockerClient, kind: str, box: Container) -> bool:
    box.reload()
    state = box.attrs["State"]
    if kind == "unhealthy":
        return bool((state.get("Health") or {}).get("Status") == "unhealthy")
    if kind in ("crashed", "finished"):
        return bool(state["Status"] == "exited")
    if kind == "gave_up":
        return bool(state["Status"] == "exited" and box.attrs["RestartCount"] >= 3)
    return True


def make_containers(client: docker.DockerClient, image: str, total: int) -> dict[str, int]:
    """Create and start the containers; wait until each kind is in its state."""
    plan = [(kind, i) for kind, count in split(total, CONTAINER_MIX).items() for i in range(count)]
    with ThreadPoolExecutor(6) as pool:
        made = list(pool.map(lambda p: (p[0], _make(client, image, *p)), plan))
    deadline = time.monotonic() + 90
    waiting = list(made)
    while waiting and time.monotonic() < deadline:
        waiting = [(k, b) for k, b in waiting if not _settled(client, k, b)]
        if waiting:
            time.sleep(1)
    if waiting:
        print(f"  note: {len(waiting)} containers not yet in their state after 90 s")
    return split(total, CONTAINER_MIX)


# ---- Caddy ------------------------------------------------------------------------------


@contextlib.contextmanager
def running_caddy(folder: Path) -> Iterator[str]:
    """A bare Caddy (no certificates: automatic HTTPS off) with its admin API on loopback."""
    binary = shutil.which("caddy")
    if binary is None:
        raise SystemExit("caddy is not installed")
    admin = f"127.0.0.1:{free_port()}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "boot.json").write_text(json.dumps({"admin": {"listen": admin}}))
    env = {**os.environ, "XDG_DATA_HOME": str(folder / "data"),
           "XDG_CONFIG_HOME": str(folder / "config"), "HOME": str(folder)}  # fmt: skip
    with (folder / "caddy.log").open("wb") as log:
        proc = subprocess.Popen(
            [binary, "run", "--config", str(folder / "boot.json")],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=folder,
            start_new_session=True,
        )
    try:
        for _ in range(100):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://{admin}/config/", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise SystemExit("Caddy's admin API did not answer")
        yield f"http://{admin}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def load_routes(admin: str, fqdns: list[str]) -> None:
    """A server on a free loopback port with one managed route per name."""
    base = {
        "admin": {"listen": admin.removeprefix("http://")},
        "apps": {
            "http": {
                "http_port": free_port(),
                "https_port": free_port(),
                "servers": {
                    "main": {
                        "listen": [f"127.0.0.1:{free_port()}"],
                        "routes": [],
                        "automatic_https": {"disable": True},
                    }
                },
            }
        },
    }
    sites = [ManagedSite(fqdn=f, upstream=UPSTREAM) for f in fqdns]
    config = build_desired(base, sites, stream_close_delay=None)
    httpx.post(f"{admin}/load", json=config, timeout=30).raise_for_status()


# ---- the application's side -------------------------------------------------------------


def bench_settings(
    folder: Path, host: str, knot: KnotServer, caddy: str, bed: TlsTestbed
) -> Settings:
    """Settings pointing Docker, DNS, Caddy and the HTTPS checks at the bed."""
    return Settings(
        data_dir=folder / "data",
        docker_host=host,
        audit_syslog=False,
        domains={
            "provider": "rfc2136",
            "zones": [ZONE],
            "rfc2136_server": f"{knot.host}:{knot.port}",
            "tsig_key_name": knot.key_name,
            "tsig_secret": knot.secret,
            "tsig_algorithm": knot.algorithm,
            "resolvers": [f"{knot.host}:{knot.port}"],
            "caddy_admin_url": caddy,
            "caddy_stream_close_delay": None,
            "https_port": bed.endpoints[0].target.port,
            "https_connect_address": "127.0.0.1",
            "public_ip": "127.0.0.1",
            "ca_bundle": str(bed.ca_bundle),
        },
    )


async def seed(runtime: Runtime, fqdns: list[str], audit_entries: int) -> None:
    """Active domains, their A records, and an audit log."""
    for fqdn in fqdns:
        await create_domain(
            runtime.db,
            NewDomain(fqdn=fqdn, zone=ZONE, target=UPSTREAM, provider="rfc2136",
                      records={"A": ["127.0.0.1"]}, status=DomainStatus.ACTIVE),
        )  # fmt: skip
    provider = build_provider(runtime.settings.domains, runtime.db)
    assert provider is not None
    gate = asyncio.Semaphore(8)

    async def point(i: int, fqdn: str) -> None:
        async with gate:
            address = WRONG_ADDRESS if i % (len(fqdns) // DNS_WRONG or 1) == 1 else "127.0.0.1"
            await provider.ensure_record(fqdn, "A", [address])

    await asyncio.gather(*(point(i, f) for i, f in enumerate(fqdns)))
    for i in range(audit_entries):
        await record(
            runtime.db,
            actor="user:bench",
            event="tool.executed",
            tool="docker.list_containers",
            resource="docker:host",
            data={"n": i, "outcome": "ok"},
        )


# ---- timing -----------------------------------------------------------------------------


async def timed(checks: list[Check], runtime: Runtime) -> tuple[float, list[CheckOutcome]]:
    """Wall time of one pass over `checks`, with a fresh context (nothing shared before)."""
    ctx = CheckContext(deps=runtime.deps, db=runtime.db)
    started = time.perf_counter()
    outcomes = await run_checks(checks, ctx)
    return time.perf_counter() - started, outcomes


def _summary(outcome: CheckOutcome) -> str:
    if outcome.status == "error":
        return f"error: {outcome.error}"
    return f"{len(outcome.observations)} found" if outcome.observations else "ok"


async def measure(runtime: Runtime, runs: int) -> None:
    checks = all_checks()
    await timed(checks, runtime)  # warm imports, pools and the CA store outside the timings
    alone: dict[str, list[float]] = {c.id: [] for c in checks}
    inside: dict[str, list[float]] = {c.id: [] for c in checks}
    passes: list[float] = []
    recorded: list[float] = []
    last: dict[str, CheckOutcome] = {}
    for run in range(1, runs + 1):
        for check in checks:
            seconds, _ = await timed([check], runtime)
            alone[check.id].append(seconds)
        seconds, outcomes = await timed(checks, runtime)
        passes.append(seconds)
        for outcome in outcomes:
            inside[outcome.check].append(outcome.seconds)
            last[outcome.check] = outcome
        ctx = CheckContext(deps=runtime.deps, db=runtime.db)
        started = time.perf_counter()
        await diagnose(checks, ctx, runtime.db, run_id=None)
        recorded.append(time.perf_counter() - started)
        slowest = max(alone, key=lambda k: alone[k][-1])
        print(
            f"  run {run}: pass {seconds:.2f} s   slowest alone {slowest} "
            f"{alone[slowest][-1]:.2f} s   ratio {seconds / alone[slowest][-1]:.2f}"
        )
    print(f"\n  {'check':<26}{'alone (median)':>16}{'in the pass':>14}   result")
    for check in checks:
        print(
            f"  {check.id:<26}{statistics.median(alone[check.id]):>14.3f} s"
            f"{statistics.median(inside[check.id]):>12.3f} s   {_summary(last[check.id])}"
        )
    medians = {k: statistics.median(v) for k, v in alone.items()}
    slowest = max(medians, key=medians.__getitem__)
    full = statistics.median(passes)
    ratio = full / medians[slowest]
    print(f"\n  slowest single check: {slowest}, median {medians[slowest]:.2f} s")
    print(f"  all {len(checks)} checks in one pass: median {full:.2f} s "
          f"(min {min(passes):.2f}, max {max(passes):.2f})")  # fmt: skip
    print(f"  ratio: {ratio:.2f} (target <= 1.5: {'met' if ratio <= 1.5 else 'missed'})")
    print(f"  sum of the checks alone: {sum(medians.values()):.2f} s")
    print(f"  diagnose (the pass + recording findings): median {statistics.median(recorded):.2f} s")


def step(what: str) -> float:
    """Say what starts now; returns its start time."""
    print(what, flush=True)
    return time.perf_counter()


async def seed_and_measure(runtime: Runtime, fqdns: list[str], args: argparse.Namespace) -> None:
    """Seed the database and Knot, then time the checks (one event loop for the pool)."""
    t0 = time.perf_counter()
    try:
        await seed(runtime, fqdns, args.audit_entries)
        print(f"  seeded in {time.perf_counter() - t0:.0f} s ({args.audit_entries} audit entries)")
        print(f"timing ({args.runs} runs; {os.cpu_count()} cores):")
        await measure(runtime, args.runs)
    finally:
        await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--containers", type=int, default=100)
    parser.add_argument("--domains", type=int, default=200)
    parser.add_argument("--audit-entries", type=int, default=2000)
    args = parser.parse_args()
    with docker_engine() as host, tempfile.TemporaryDirectory(prefix="jarvis-bench-") as tmp:
        folder = Path(tmp)
        client = docker.DockerClient(base_url=host, version="auto", timeout=60)
        try:
            remove_containers(client, only_mine=False)  # of earlier runs that did not finish
            image = ensure_image(client)
            t0 = step(f"setting up {args.containers} containers on {host} ...")
            counts = make_containers(client, image, args.containers)
            total = len(client.containers.list(all=True))
            print(f"  {counts} ({total} on the engine) in {time.perf_counter() - t0:.0f} s")
            domain_mix = {k: n for k, n in split(args.domains, DOMAIN_MIX).items() if n}
            t0 = step(f"setting up {args.domains} domains {domain_mix} ...")
            with (
                TlsTestbed(folder / "tls", mix=domain_mix) as bed,
                running_knot(zones=(ZONE,)) as knot,
                running_caddy(folder / "caddy") as caddy,
            ):
                fqdns = [e.domain for e in bed.endpoints]
                load_routes(caddy, fqdns[ROUTES_MISSING:])
                runtime = build_runtime(bench_settings(folder, host, knot, caddy, bed))
                print(f"  endpoints, Knot and Caddy up in {time.perf_counter() - t0:.0f} s")
                asyncio.run(seed_and_measure(runtime, fqdns, args))
        finally:
            removed = remove_containers(client, only_mine=True)
            print(f"removed {removed} containers")
            client.close()


if __name__ == "__main__":
    main()
