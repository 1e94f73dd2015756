"""Databases for a run on a real server: registered, made, filled and backed up before the
turn, their tables counted for the grade, dropped afterwards whatever happens.

Backups are taken with the code `db.backup` runs (dump, checksum, row counts, record); only
their record's time is set back, so "last night" means something in a test run at noon.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pymysql
from sqlalchemy import update

from agent.runtime import Runtime
from evals.db_scenario import SERVER, BackupWhen, DatabaseSetup, DbStep, TableExpect
from memory.estate_models import DbBackup
from memory.vault import Vault, load_key
from tools.db import servers
from tools.db.admin import register_server
from tools.db.backups import take_backup
from tools.db.names import check_ident
from tools.db.urls import ServerUrl, parse_server_url

ACTOR = "user:eval"


def backup_time(when: BackupWhen, now: datetime | None = None) -> datetime:
    """When a set-up backup counts as taken: now, 22:00 yesterday or two days before that."""
    now = now or datetime.now(UTC)
    midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    back = {"now": None, "last_night": timedelta(hours=2), "two_nights_ago": timedelta(hours=26)}
    gap = back[when]
    return now if gap is None else (midnight - gap).astimezone(UTC)


def run_sql(
    url: ServerUrl, database: str | None, statements: list[str], params: tuple[str, ...] = ()
) -> list[Any]:
    """Run statements as the server's admin (parameters for each); the last one's rows."""
    rows: list[Any] = []
    if url.engine == "postgresql":
        with psycopg.connect(
            host=url.host, port=url.port, user=url.user, password=url.password,
            dbname=database or "postgres", autocommit=True, connect_timeout=10,
        ) as conn:  # fmt: skip
            for statement in statements:
                cur = conn.execute(statement.encode(), params or None)
                rows = cur.fetchall() if cur.description else []
        return rows
    maria = pymysql.connect(
        host=url.host, port=url.port, user=url.user or "root", password=url.password or "",
        database=database, autocommit=True, connect_timeout=10,
    )  # fmt: skip
    try:
        with maria.cursor() as mcur:
            for statement in statements:
                mcur.execute(statement, params or None)
                rows = list(mcur.fetchall())
    finally:
        maria.close()
    return rows


def add_rows(url: ServerUrl, database: str, table: str, rows: int) -> None:
    """Add `rows` rows to a table (made first if missing)."""
    name = check_ident(table, "table name")
    if url.engine == "postgresql":
        make = f"CREATE TABLE IF NOT EXISTS {name} (id serial PRIMARY KEY, label text)"
        series = f"generate_series(1, {int(rows)}) g"
        fill = f"INSERT INTO {name} (label) SELECT md5(g::text) FROM {series}"  # noqa: S608
    else:
        make = f"CREATE TABLE IF NOT EXISTS {name} (id int AUTO_INCREMENT PRIMARY KEY, label text)"
        fill = f"INSERT INTO {name} (label) SELECT md5(seq) FROM seq_1_to_{int(rows)}"  # noqa: S608
    run_sql(url, database, [make, fill] if rows else [make])


def count_rows(url: ServerUrl, database: str, table: str) -> int | None:
    """Rows in a table, or None when the table (or the database) does not exist."""
    name = check_ident(table, "table name")
    if url.engine == "postgresql":
        known = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = %s"
        params: tuple[str, ...] = (name,)
    else:
        known = (
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = %s AND table_name = %s"
        )
        params = (check_ident(database, "database name"), name)
    try:
        if not run_sql(url, database, [known], params)[0][0]:
            return None
    except (psycopg.OperationalError, pymysql.err.OperationalError):
        return None  # the database itself is gone
    return int(run_sql(url, database, [f"SELECT count(*) FROM {name}"])[0][0])  # noqa: S608


async def _backup(runtime: Runtime, spec: DatabaseSetup, step: DbStep) -> None:
    assert step.backup is not None
    _server, engine = await servers.engine_for(runtime.deps, SERVER)
    done = await take_backup(runtime.deps, SERVER, engine, spec.name, "scheduled")
    values: dict[str, Any] = {"created_at": backup_time(step.backup)}
    if step.id is not None:
        values["id"] = step.id
    async with runtime.db.session() as session:
        await session.execute(update(DbBackup).where(DbBackup.id == done.id).values(**values))


async def _step(runtime: Runtime, url: ServerUrl, spec: DatabaseSetup, step: DbStep) -> None:
    if step.add_rows is not None:
        await asyncio.to_thread(add_rows, url, spec.name, step.add_rows, step.rows)
    elif step.drop_table is not None:
        await asyncio.to_thread(run_sql, url, spec.name, [f"DROP TABLE {step.drop_table}"])
    elif step.backup is not None:
        await _backup(runtime, spec, step)


async def set_up_databases(
    runtime: Runtime, specs: list[DatabaseSetup], urls: dict[str, str]
) -> None:
    """Register the server, then make and prepare every database of the scenario."""
    if not specs:
        return
    engines = {s.engine for s in specs}
    if len(engines) > 1:
        raise ValueError("a scenario's databases share one server, so one engine")
    (engine,) = engines
    vault = Vault(load_key(runtime.settings))
    await register_server(runtime.deps, vault, SERVER, urls[engine], actor=ACTOR)
    url = parse_server_url(urls[engine])
    for spec in specs:
        await asyncio.to_thread(run_sql, url, None, [f"CREATE DATABASE {spec.name}"])
        for step in spec.steps:
            await _step(runtime, url, spec, step)


async def drop_databases(specs: list[DatabaseSetup], urls: dict[str, str]) -> None:
    """Drop the scenario's databases (and users of their names) if they exist."""
    for spec in specs:
        url = parse_server_url(urls[spec.engine])
        if url.engine == "postgresql":
            drop = [
                f"DROP DATABASE IF EXISTS {spec.name} WITH (FORCE)",
                f"DROP ROLE IF EXISTS {spec.name}",
            ]
        else:
            drop = [f"DROP DATABASE IF EXISTS {spec.name}", f"DROP USER IF EXISTS '{spec.name}'"]
        await asyncio.to_thread(run_sql, url, None, drop)


async def grade_tables(
    tables: list[TableExpect], specs: list[DatabaseSetup], urls: dict[str, str]
) -> list[str]:
    """What does not hold of the expected row counts, one sentence each."""
    engines = {s.name: s.engine for s in specs}
    failures = []
    for want in tables:
        engine = engines.get(want.database)
        if engine is None:
            failures.append(f"database {want.database} is not one the scenario set up")
            continue
        url = parse_server_url(urls[engine])
        got = await asyncio.to_thread(count_rows, url, want.database, want.table)
        if got != want.rows:
            said = "absent" if got is None else f"{got} rows"
            wanted = "absent" if want.rows is None else f"{want.rows} rows"
            failures.append(f"table {want.database}.{want.table} has {said}, expected {wanted}")
    return failures
