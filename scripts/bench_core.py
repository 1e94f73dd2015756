"""Benchmark the core: gate overhead per read call (policy + audit write) on SQLite and
PostgreSQL, and docker.list_containers next to `docker ps -a` for the same 50 containers.

Run: .venv/bin/python scripts/bench_core.py [--calls 500] [--containers 50]
Needs the test bed: PostgreSQL on 127.0.0.1:5432 and a Docker Engine (DOCKER_HOST or the
default socket). Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docker
import psycopg

from core.settings import Settings
from memory.db import Database, upgrade
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.rules import load_rules
from scripts.bench_support import engine, ensure_image, pct
from tools.catalog import build_registry
from tools.deps import ToolDeps
from tools.docker.client import connect
from tools.registry import Registry, ToolArgs, ToolFamily, ToolResult

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
LABEL = "jarvis.bench"

bench = ToolFamily("bench")


class NoArgs(ToolArgs):
    pass


class Empty(ToolResult):
    value: int = 1


@bench.tool("noop_read", risk="read", resource="bench:noop", description="Does nothing, quickly.")
async def noop(args: NoArgs, deps: ToolDeps) -> Empty:
    return Empty()


async def gate_overhead(url: str, calls: int, data_dir: Path) -> tuple[float, float]:
    upgrade(url)
    settings = Settings(data_dir=data_dir)
    db = Database(url)
    deps = ToolDeps(settings, docker_factory=connect)
    gate = Gate(
        db, Registry([bench]), PolicyEngine(load_rules(None)), deps, Vault(load_key(settings))
    )
    ctx = CallContext(actor="user:bench")
    for _ in range(20):  # warm the pool and caches
        await gate.invoke(ctx, "bench.noop_read", {})
    samples = []
    for _ in range(calls):
        t0 = time.perf_counter()
        await gate.invoke(ctx, "bench.noop_read", {})
        samples.append((time.perf_counter() - t0) * 1000)
    await db.close()
    return statistics.median(samples), pct(samples, 0.99)


async def gate_benchmarks(calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p50, p99 = await gate_overhead(f"sqlite:///{tmp}/bench.db", calls, Path(tmp))
        print(f"gate overhead per read call, SQLite:     p50 {p50:.2f} ms  p99 {p99:.2f} ms")
        name = f"jarvis_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"postgresql://postgres@127.0.0.1:5432/{name}"
            p50, p99 = await gate_overhead(url, calls, Path(tmp))
            print(f"gate overhead per read call, PostgreSQL: p50 {p50:.2f} ms  p99 {p99:.2f} ms")
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def list_benchmark(count: int, rounds: int) -> None:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    started = engine(host)
    client = docker.DockerClient(base_url=host, version="auto")
    image = ensure_image(client)
    made = []
    try:
        for i in range(count):
            box = client.containers.create(
                image,
                "sleep 600",
                labels={LABEL: "1"},
                name=f"jarvis-bench-{uuid.uuid4().hex[:8]}-{i}",
            )
            if i % 2 == 0:
                box.start()
            made.append(box)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp))
            url = f"sqlite:///{tmp}/bench.db"
            upgrade(url)
            db = Database(url)
            deps = ToolDeps(settings, environ={"DOCKER_HOST": host}, docker_factory=connect)
            gate = Gate(
                db,
                build_registry(),
                PolicyEngine(load_rules(None)),
                deps,
                Vault(load_key(settings)),
            )
            ctx = CallContext(actor="user:bench")
            ours: list[float] = []
            theirs: list[float] = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                out = await gate.invoke(ctx, "docker.list_containers", {})
                ours.append((time.perf_counter() - t0) * 1000)
                assert out.data is not None and len(out.data["containers"]) >= count
                t0 = time.perf_counter()
                subprocess.run(  # noqa: ASYNC221 - timing the CLI itself is the point
                    ["docker", "-H", host, "ps", "-a"],
                    check=True,
                    capture_output=True,
                    env={**os.environ, "DOCKER_HOST": host},
                )
                theirs.append((time.perf_counter() - t0) * 1000)
            await db.close()
            deps.close()
        a, b = statistics.median(ours), statistics.median(theirs)
        total = len(client.containers.list(all=True))
        print(f"docker.list_containers via the gate ({total} containers): median {a:.1f} ms")
        print(f"docker ps -a (same containers):                  median {b:.1f} ms")
        print(f"ratio list_containers / docker ps -a: {a / b:.2f}x (target <= 1.5x)")
    finally:
        for box in made:
            box.remove(force=True)
        client.close()
        if started is not None:
            started.terminate()
            started.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--containers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=15)
    opts = parser.parse_args()
    asyncio.run(gate_benchmarks(opts.calls))
    asyncio.run(list_benchmark(opts.containers, opts.rounds))


if __name__ == "__main__":
    main()
