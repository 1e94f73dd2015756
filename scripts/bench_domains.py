"""Benchmark domain health: a sweep over 200 local HTTPS domains next to its slowest check.

Run: .venv/bin/python scripts/bench_domains.py [--runs 3] [--concurrency 50]
Builds the same local endpoints as tests/tools/netcheck/test_health.py (a private CA, TLS
servers on 127.0.0.1 with healthy, slow, stalled, refusing, failing, expired, wrong-name,
untrusted and DNS-mismatched domains). Target: a sweep under 2x its slowest single check.
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.bench_support import pct
from tests.testbed.tls_endpoints import TlsTestbed
from tools.netcheck.health import check_health, sweep


async def bench_health_sweep(args: argparse.Namespace) -> None:
    """Sweep the 200 local domains `args.runs` times; print each sweep beside its slowest check."""
    with tempfile.TemporaryDirectory() as tmp, TlsTestbed(Path(tmp)) as bed:
        targets = bed.targets()
        print(
            f"health sweep: {len(targets)} local domains, concurrency {args.concurrency}, "
            f"per-check timeout {bed.timing.timeout:g}s"
        )
        await sweep(targets[:5])  # warm imports and the CA context outside the timings
        for run in range(1, args.runs + 1):
            started = time.perf_counter()
            reports = await sweep(targets, concurrency=args.concurrency)
            elapsed = time.perf_counter() - started
            durations = [r.duration_ms / 1000 for r in reports]
            slowest = max(durations)
            wrong = sum(
                r.classification != e.expected for r, e in zip(reports, bed.endpoints, strict=True)
            )
            verdict = "met" if elapsed < 2 * slowest else "missed"
            print(
                f"  run {run}: sweep {elapsed:.2f} s   slowest check {slowest:.2f} s   "
                f"ratio {elapsed / slowest:.2f} (target < 2: {verdict})   "
                f"sum of check times {sum(durations):.1f} s   misclassified {wrong}"
            )
        healthy = [
            r.https.latency_ms
            for r in reports
            if r.classification == "healthy" and r.https.latency_ms is not None
        ]
        print(
            f"  healthy HTTPS latency inside the sweep: p50 {statistics.median(healthy):.0f} ms  "
            f"p99 {pct(healthy, 0.99):.0f} ms"
        )
        print(f"  classes: {dict(sorted(Counter(r.classification for r in reports).items()))}")
        # Each fault alone, for comparison with its time inside the sweep.
        alone = []
        for kind in ("healthy", "slow", "stalled", "expired", "refused"):
            endpoint = next(e for e in bed.endpoints if e.kind == kind)
            started = time.perf_counter()
            await check_health(endpoint.target)
            alone.append(f"{kind} {time.perf_counter() - started:.2f} s")
        print(f"  single checks alone: {', '.join(alone)}")


# Each section builds what it needs, prints its lines and cleans up; new ones go here.
async def bench_provision(args: argparse.Namespace) -> None:
    """Provision one name on the test bed (Knot, Caddy, Pebble); print each step's time."""
    import contextlib
    import json
    from datetime import datetime

    from core.settings import Settings
    from memory.db import Database, upgrade
    from memory.domains import Event
    from tests.testbed import caddy_pebble
    from tests.testbed.knot import running_knot
    from tests.tools.workflows.test_provision_e2e import bed_settings
    from tools.workflows.domains import STEPS, DomainEnv, provision

    # The fixtures' own start-up code, used outside pytest.
    start_pebble = contextlib.contextmanager(caddy_pebble.pebble.__wrapped__)  # type: ignore[attr-defined]
    start_caddy = contextlib.contextmanager(caddy_pebble.caddy.__wrapped__)  # type: ignore[attr-defined]
    start_upstream = contextlib.contextmanager(caddy_pebble.upstream.__wrapped__)  # type: ignore[attr-defined]
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_knot() as knot,
        start_pebble() as pebble,
        start_caddy(pebble) as caddy,
        start_upstream() as upstream,
    ):
        folder = Path(tmp)
        (folder / "data").mkdir()
        url = f"sqlite:///{folder / 'jarvis.db'}"
        upgrade(url)
        settings = Settings(**bed_settings(folder, knot, caddy, url))
        db = Database(url)
        stamps: list[tuple[str, datetime]] = []

        async def on_event(event: Event) -> None:
            stamps.append((event.message, event.created_at))

        print("provisioning: one name on Knot + Caddy + Pebble (test bed)")
        async with DomainEnv.from_settings(settings, db) as env:
            await env.caddy.load(caddy_pebble.caddy_site_config(caddy, {}))
            started = time.perf_counter()
            task = await provision(db, env, "bench.example.test", upstream, on_event=on_event)
            total = time.perf_counter() - started
        await db.close()
        previous = stamps[0][1]
        for step in STEPS:
            at = datetime.fromisoformat(task.steps[step]["at"])
            print(f"  {step:<12} {(at - previous).total_seconds() * 1000:8.0f} ms")
            previous = at
        print(f"  total        {total * 1000:8.0f} ms   outcome {task.status.value}")
        if task.error:
            print("  error: " + json.dumps(task.error))


SECTIONS: list[Callable[[argparse.Namespace], Coroutine[None, None, None]]] = [
    bench_health_sweep,
    bench_provision,
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    for section in SECTIONS:
        asyncio.run(section(args))


if __name__ == "__main__":
    main()
