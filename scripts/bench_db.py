"""Benchmark a database backup that proves itself against the engine's plain tools.

Run: .venv/bin/python scripts/bench_db.py [--size-mb 1024] [--runs 1] [--pg URL]
Needs the PostgreSQL on loopback (default postgresql://postgres@127.0.0.1:5432, trust or a
password in the URL) and its client tools. It makes a database of about --size-mb MB
(generate_series into three tables with primary keys), registers the server in a temporary
Jarvis data dir, then, --runs times:
- Jarvis: db.backup and db.verify_backup through the gate in this process, as the nightly
  maintenance calls them (actor agent:autonomous; the default policy allows both): the dump
  with rows counted in its snapshot, a checksum, retention; then the checksum again, a restore
  into a scratch database, rows counted and compared, the scratch database dropped;
- plain: `pg_dump -Fc` of the same database, then `createdb` + `pg_restore` into a scratch
  database, which is dropped again.
Prints the seconds of each and their ratio against the 1.2x target. Everything it made is
removed at the end. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from agent.runtime import Runtime, build_runtime
from core.settings import Settings
from memory import databases
from policies.engine import AUTONOMOUS
from policies.gate import CallContext
from tools.db import servers

TARGET = 1.2
# Rows per table and round: small databases in small steps, large ones in 500k.
MIN_BATCH, MAX_BATCH = 20_000, 500_000
TABLES = {
    "events": (
        "CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz, kind text, body text)",
        "INSERT INTO events SELECT g, now() - g * interval '1 second', 'kind_' || (g % 17), "
        "md5(g::text) || md5((g * 7)::text) FROM generate_series({lo}, {hi}) g",
    ),
    "metrics": (
        "CREATE TABLE metrics (id bigint PRIMARY KEY, series int, value double precision, "
        "at timestamptz)",
        "INSERT INTO metrics SELECT g, g % 97, sin(g) * 1000, now() - g * interval '1 minute' "
        "FROM generate_series({lo}, {hi}) g",
    ),
    "users": (
        "CREATE TABLE users (id bigint PRIMARY KEY, name text, email text)",
        "INSERT INTO users SELECT g, 'user ' || g, 'u' || g || '@example.test' "
        "FROM generate_series({lo}, {hi}) g",
    ),
}


def admin(url: str, database: str = "postgres") -> psycopg.Connection:
    """An autocommit connection to `database` on the server of `url`."""
    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname=database,
        autocommit=True,
    )


def make_database(url: str, name: str, size_mb: int) -> tuple[int, int]:
    """Fill a new database until it holds about `size_mb` MB; returns (bytes, rows)."""
    with admin(url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    rows, made = 0, {t: 0 for t in TABLES}
    batch = max(MIN_BATCH, min(MAX_BATCH, size_mb * 1000))
    with admin(url, name) as conn:
        for make, _fill in TABLES.values():
            conn.execute(make)
        size = 0
        while size < size_mb * 1024 * 1024:
            for table, (_make, fill) in TABLES.items():
                lo = made[table] + 1
                hi = made[table] + batch
                conn.execute(fill.format(lo=lo, hi=hi))
                made[table] = hi
                rows += batch
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            size = int(row[0]) if row else 0
            print(f"  filled {rows:,} rows, {size / 2**20:,.0f} MB", flush=True)
        conn.execute("VACUUM ANALYZE")  # once, so neither side meets unset hint bits first
    return size, rows


def drop(url: str, *names: str) -> None:
    """Drop databases if they exist."""
    with admin(url) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one command; a failure stops the benchmark."""
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return took


def client_env(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore / createdb."""
    parts = urlsplit(url)
    args = ["--host", parts.hostname or "127.0.0.1", "--port", str(parts.port or 5432)]
    args += ["--username", parts.username or "postgres", "--no-password"]
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return args, env


def plain(url: str, database: str, work: Path) -> tuple[float, float, float]:
    """pg_dump -Fc, then createdb + pg_restore into a scratch database; then the seconds
    dropping it takes (which a verification pays and this side is not charged for)."""
    target, env = client_env(url)
    path = work / f"{database}.dump"
    scratch = f"{database}_plain"
    dump = timed(["pg_dump", "-Fc", *target, "--file", str(path), "--dbname", database], env)
    try:
        restore = timed(["createdb", *target, scratch], env)
        restore += timed(["pg_restore", *target, "--dbname", scratch, str(path)], env)
    finally:
        started = time.perf_counter()
        drop(url, scratch)
        dropped = time.perf_counter() - started
        path.unlink(missing_ok=True)
    return dump, restore, dropped


async def register(rt: Runtime, url: str) -> None:
    """The server, as `jarvis databases add-server bench --url URL` registers it."""
    parts = urlsplit(url)
    await databases.add_server(
        rt.db,
        servers.vault(rt.deps),
        rt.deps.redaction_salt,
        name="bench",
        engine="postgresql",
        address=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        username=parts.username or "postgres",
        password=parts.password,
    )


async def jarvis(rt: Runtime, database: str) -> tuple[float, float]:
    """db.backup then db.verify_backup through the gate; returns their seconds."""
    run = uuid.uuid4().hex[:12]

    async def call(tool: str, args: dict[str, str]) -> tuple[float, dict[str, object]]:
        ctx = CallContext(actor=AUTONOMOUS, idempotency_key=f"bench.{run}.{tool}")
        started = time.perf_counter()
        outcome = await rt.gate.invoke(ctx, tool, args)
        took = time.perf_counter() - started
        if outcome.status != "ok" or outcome.data is None:
            raise SystemExit(f"{tool}: {outcome.status}: {outcome.message or outcome.reason}")
        return took, outcome.data

    backup_s, data = await call("db.backup", {"server": "bench", "database": database})
    backup = data["backup"]
    assert isinstance(backup, dict)
    verify_s, verified = await call("db.verify_backup", {"backup": str(backup["id"])})
    print(
        f"  jarvis: backup {backup_s:.1f} s ({int(backup['size']) / 2**20:,.0f} MB file), "
        f"verify {verify_s:.1f} s ({verified['rows']:,} rows matched)",
        flush=True,
    )
    return backup_s, verify_s


async def bench(args: argparse.Namespace, work: Path) -> None:
    """Make the data, time both ways --runs times, print the figures."""
    name = f"jarvis_bench_{uuid.uuid4().hex[:8]}"
    settings = Settings(data_dir=work / "data", database_url=f"sqlite:///{work / 'jarvis.db'}")
    rt = build_runtime(settings)
    try:
        print(f"making {name} (~{args.size_mb} MB) ...", flush=True)
        size, rows = make_database(args.pg, name, args.size_mb)
        await register(rt, args.pg)
        ours, theirs, drops = [], [], []
        for i in range(args.runs):
            print(f"run {i + 1}/{args.runs}", flush=True)
            ours.append(await jarvis(rt, name))
            dump, restore, dropped = plain(args.pg, name, work)
            theirs.append((dump, restore))
            drops.append(dropped)
            print(f"  plain: pg_dump {dump:.1f} s, restore {restore:.1f} s (drop {dropped:.1f} s)")
        report(size, rows, ours, theirs)
        print(
            "dropping a restored copy (part of each verification): "
            f"{statistics.median(drops):.1f} s"
        )
    finally:
        drop(args.pg, name, f"{name}_plain")
        await rt.close()


def report(
    size: int, rows: int, ours: list[tuple[float, float]], theirs: list[tuple[float, float]]
) -> None:
    """Medians of each side and the ratio."""
    mine = statistics.median(a + b for a, b in ours)
    plain_s = statistics.median(a + b for a, b in theirs)
    print()
    print(f"database: {size / 2**20:,.0f} MB, {rows:,} rows in {len(TABLES)} tables")
    print(f"{'':34}{'backup s':>10}{'restore s':>11}{'total s':>9}")
    print(
        f"{'jarvis db.backup + db.verify_backup':34}"
        f"{statistics.median(a for a, _ in ours):>10.1f}"
        f"{statistics.median(b for _, b in ours):>11.1f}{mine:>9.1f}"
    )
    print(
        f"{'plain pg_dump -Fc + pg_restore':34}"
        f"{statistics.median(a for a, _ in theirs):>10.1f}"
        f"{statistics.median(b for _, b in theirs):>11.1f}{plain_s:>9.1f}"
    )
    ratio = mine / plain_s
    verdict = "within" if ratio <= TARGET else "over"
    print(f"ratio {ratio:.2f}x ({verdict} the {TARGET}x target)")
    if len(ours) > 1:  # each round's pair ran back to back: their ratio shows the spread
        rounds = [(a + b) / (c + d) for (a, b), (c, d) in zip(ours, theirs, strict=True)]
        print("per round: " + ", ".join(f"{r:.2f}x" for r in rounds))


def main() -> None:
    """Parse the arguments and run the benchmark in a temporary directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size-mb", type=int, default=1024, help="database size to make")
    parser.add_argument("--runs", type=int, default=1, help="timed rounds of each")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432", help="server")
    args = parser.parse_args()
    for tool in ("pg_dump", "pg_restore", "createdb"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing (scripts/setup --test installs the clients)")
    work = Path(tempfile.mkdtemp(prefix="jarvis-bench-db-"))
    try:
        asyncio.run(bench(args, work))
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
