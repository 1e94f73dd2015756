"""Benchmark system.disks on this machine and on another host over SSH: N calls through the
gate on one reused connection, and N calls each opening a fresh connection (key exchange,
host key check and login every time).

Run as root: .venv/bin/python scripts/bench_hosts.py [--calls 50]
The other host is an OpenSSH server in a network namespace made here (10.77.41.0/24, as the
tests use; needs openssh-server and iproute2) and removed at the end. Prints numbers; asserts
nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.settings import Settings
from memory.db import Database, upgrade
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.rules import load_rules
from tests.testbed.ssh_hosts import SshHost, keygen, make_namespace, remove_namespace
from tools.catalog import registry_for
from tools.deps import ToolDeps
from tools.hosts.access import HostAccess, host_access
from tools.hosts.enrol import enrol

ME = CallContext(actor="user:bench")


async def _timed(n: int, call: Callable[[], Awaitable[None]]) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        await call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _line(label: str, ms: list[float], connects: int | None) -> str:
    ordered = sorted(ms)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    extra = f"  connections opened: {connects}" if connects is not None else ""
    return (
        f"{label:<34} median {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms  "
        f"mean {statistics.mean(ms):7.1f} ms{extra}"
    )


async def bench(folder: Path, host: SshHost, calls: int) -> None:
    url = f"sqlite:///{folder / 'jarvis.db'}"
    upgrade(url)
    settings = Settings(data_dir=folder / "data")
    (folder / "data").mkdir()
    db = Database(url)
    await enrol(db, "nas", host.login, host.port, str(host.login_key), None, "user:bench")
    deps = ToolDeps(settings, db=db, hosts_factory=host_access)
    gate = Gate(
        db,
        registry_for("system.disks"),
        PolicyEngine(load_rules(None)),
        deps,
        Vault(load_key(settings)),
        approval_ttl=timedelta(minutes=10),
    )
    access: HostAccess = deps.hosts

    async def disks(args: dict[str, object]) -> None:
        out = await gate.invoke(ME, "system.disks", args)
        assert out.status == "ok", out.message

    async def fresh() -> None:
        access.forget("nas")  # the next call opens, verifies and logs in again
        await disks({"host": "nas"})

    await disks({})  # warm-up: imports, first audit write
    await disks({"host": "nas"})
    local = await _timed(calls, lambda: disks({}))
    before = access.pool.connects
    reused = await _timed(calls, lambda: disks({"host": "nas"}))
    reused_connects = access.pool.connects - before
    before = access.pool.connects
    fresh_ms = await _timed(calls, fresh)
    fresh_connects = access.pool.connects - before
    print(f"system.disks through the gate, {calls} calls each (audit write included):")
    print(_line("local (psutil)", local, None))
    print(_line("over SSH, one reused connection", reused, reused_connects))
    print(_line("over SSH, a fresh connection each", fresh_ms, fresh_connects))
    extra = statistics.median(reused) - statistics.median(local)
    ratio = statistics.median(fresh_ms) / statistics.median(reused)
    print(f"reused connection vs local: +{extra:.1f} ms median; fresh vs reused: x{ratio:.1f}")
    deps.close()
    await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    calls = parser.parse_args().calls
    folder = Path(tempfile.mkdtemp(prefix="jarvis-bench-hosts-"))
    make_namespace()
    host = SshHost(folder)
    try:
        (folder / "authorized_keys").write_text(keygen(host.login_key) + "\n")
        host.start()
        asyncio.run(bench(folder, host, calls))
    finally:
        host.stop()
        remove_namespace()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
