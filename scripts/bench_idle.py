"""Benchmark an idle `jarvis serve`: CPU seconds and wake-ups over a quiet minute, and memory.

Run: .venv/bin/python scripts/bench_idle.py [--seconds 60] [--warmup 10] [--no-background]
Starts `jarvis serve` on a free loopback port with a temporary data dir and SQLite database
(no LLM, no syslog), waits until /healthz answers, lets it settle, then reads the CPU time
(user + system) of the server and its children from the kernel before and after the window;
nothing talks to it meanwhile. The background scheduler runs as it does by default (its first
patrol happens at start-up, inside the warm-up), but its jobs only diagnose: they never touch
the Docker Engine's containers, which other work on this machine may own. Target: ~0 CPU
seconds. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import psutil

from scripts.bench_support import docker_engine
from tests.testbed.jarvis_server import JarvisServer

# The default schedule's interval jobs, as diagnose runs (the default remediate could restart
# someone else's containers on a shared engine); daily jobs are left out.
SCHEDULE = [
    {"name": "patrol", "kind": "diagnose", "every_seconds": 300,
     "checks": ["containers.*", "host.*", "caddy.*", "workflows.*", "audit.*"]},
    {"name": "domains", "kind": "diagnose", "every_seconds": 3600, "checks": ["domains.*"]},
]  # fmt: skip


def processes(proc: psutil.Process) -> list[psutil.Process]:
    """The server and every process under it."""
    return [proc, *proc.children(recursive=True)]


def cpu_seconds(proc: psutil.Process) -> float:
    """User + system CPU seconds of the server, its live children and the ones it reaped."""
    total = 0.0
    for p in processes(proc):
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
        if p.pid == proc.pid:
            total += t.children_user + t.children_system
    return total


def wakeups(proc: psutil.Process) -> int:
    """Voluntary context switches of every thread (each one a sleep that ended)."""
    total = 0
    for p in processes(proc):
        try:
            total += p.num_ctx_switches().voluntary
        except psutil.NoSuchProcess:
            continue
    return total


def rss_mib(proc: psutil.Process) -> float:
    """Resident memory of the server and its children, MiB."""
    total = 0
    for p in processes(proc):
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="the idle window")
    parser.add_argument("--warmup", type=float, default=10.0, help="settling time after healthy")
    parser.add_argument(
        "--no-background", action="store_true", help="turn the background scheduler off"
    )
    args = parser.parse_args()
    background = not args.no_background
    with docker_engine() as host, tempfile.TemporaryDirectory(prefix="jarvis-idle-") as tmp:
        base = Path(tmp)
        server = JarvisServer(
            base,
            f"sqlite:///{base / 'data' / 'jarvis.db'}",
            host,
            background=background,
            extra_env={
                "JARVIS_AUDIT_SYSLOG": "false",
                "JARVIS_BACKGROUND__SCHEDULE": json.dumps(SCHEDULE),
            },
        )
        started = time.perf_counter()
        server.start()
        assert server.proc is not None
        healthy = time.perf_counter() - started
        try:
            proc = psutil.Process(server.proc.pid)
            print(
                f"jarvis serve on {server.url} (pid {proc.pid}, background scheduler "
                f"{'on' if background else 'off'}): healthy {healthy:.1f} s after start, "
                f"{cpu_seconds(proc):.1f} CPU s so far"
            )
            time.sleep(args.warmup)
            rss_before = rss_mib(proc)
            cpu0, wake0, t0 = cpu_seconds(proc), wakeups(proc), time.monotonic()
            time.sleep(args.seconds)
            cpu1, wake1, elapsed = cpu_seconds(proc), wakeups(proc), time.monotonic() - t0
            print(f"idle for {elapsed:.0f} s after a {args.warmup:.0f} s warm-up:")
            used = cpu1 - cpu0
            print(
                f"  CPU used: {used:.2f} s ({100 * used / elapsed:.2f}% of one core; "
                f"target ~0); {len(processes(proc))} process(es), "
                f"{sum(p.num_threads() for p in processes(proc))} threads"
            )
            print(
                f"  wake-ups (voluntary context switches): {wake1 - wake0} "
                f"({(wake1 - wake0) / elapsed:.1f}/s)"
            )
            print(f"  resident memory: {rss_before:.0f} MiB before, {rss_mib(proc):.0f} MiB after")
            still = httpx.get(f"{server.url}/healthz", timeout=5).status_code
            print(f"  /healthz after the window: {still}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
