"""PostgreSQL through psycopg 3 (queries) and pg_dump / pg_restore (backups)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg import sql

from tools.db.engine import DatabaseInfo, Engine, connect_error
from tools.db.names import check_ident

T = TypeVar("T")
CONNECT_TIMEOUT = 10

LIST_SQL = """
SELECT d.datname,
       pg_get_userbyid(d.datdba),
       CASE WHEN has_database_privilege(d.oid, 'CONNECT') THEN pg_database_size(d.oid) END,
       (SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid)
  FROM pg_database d
 WHERE NOT d.datistemplate AND d.datname <> 'postgres'
 ORDER BY d.datname
"""
TABLES_SQL = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg_toast%' AND NOT c.relispartition
 ORDER BY 1, 2
"""


def scram(password: str, iterations: int = 4096, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677)."""
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    salt64, stored64, server64 = (
        base64.b64encode(x).decode() for x in (salt, stored_key, server_key)
    )
    return f"SCRAM-SHA-256${iterations}:{salt64}${stored64}:{server64}"


def _counts(cur: psycopg.Cursor[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for schema, table in cur.execute(TABLES_SQL).fetchall():
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        row = cur.execute(query).fetchone()
        out[f"{schema}.{table}"] = int(row[0]) if row else 0
    return out


class Postgres(Engine):
    """A PostgreSQL server."""

    kind = "postgresql"
    suffix = ".dump"
    transactional_restore = True
    driver_errors = (psycopg.Error,)

    def _connect(self, database: str | None = None) -> psycopg.Connection[Any]:
        c = self.conn
        try:
            return psycopg.connect(
                host=c.host,
                port=c.port,
                user=c.user,
                password=c.password or None,
                dbname=database or str(c.options.get("maintenance_db", "postgres")),
                connect_timeout=CONNECT_TIMEOUT,
                autocommit=True,
            )
        except psycopg.OperationalError as exc:
            raise connect_error(self.kind, c, exc) from None

    async def _admin(self, fn: Callable[[psycopg.Connection[Any]], T], db: str | None = None) -> T:
        def work() -> T:
            with self._connect(db) as conn:
                return fn(conn)

        return await self.in_thread(work)

    async def version(self) -> str:
        """The server's version string."""
        row = await self._admin(lambda c: c.execute("SHOW server_version").fetchone())
        return f"PostgreSQL {row[0] if row else '?'}"

    async def list_databases(self) -> list[DatabaseInfo]:
        """User databases with size, owner and connections."""
        rows = await self._admin(lambda c: c.execute(LIST_SQL).fetchall())
        return [
            DatabaseInfo(name=n, owner=o, size_bytes=s, connections=int(k)) for n, o, s, k in rows
        ]

    async def exists(self, name: str) -> bool:
        """Whether the database exists."""
        q = "SELECT 1 FROM pg_database WHERE datname = %s"
        return bool(await self._admin(lambda c: c.execute(q, (name,)).fetchone()))

    async def user_exists(self, user: str) -> bool:
        """Whether the role exists."""
        q = "SELECT 1 FROM pg_roles WHERE rolname = %s"
        return bool(await self._admin(lambda c: c.execute(q, (user,)).fetchone()))

    async def create_database(self, name: str) -> None:
        """CREATE DATABASE, owned by the admin user."""
        q = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(check_ident(name)))
        await self._admin(lambda c: c.execute(q))

    async def create_user(self, user: str, password: str, database: str) -> None:
        """A login role that owns the database; other roles lose the right to connect."""
        ident, db = sql.Identifier(check_ident(user)), sql.Identifier(check_ident(database))
        # Only the SCRAM verifier is sent, so the password is not in a statement log either.
        steps = [
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(ident, sql.Literal(scram(password))),
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, ident),
            sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db),
            sql.SQL("GRANT ALL ON DATABASE {} TO {}").format(db, ident),
        ]

        def work(c: psycopg.Connection[Any]) -> None:
            row = c.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
            if not (row and row[0]):
                # An admin that is not a superuser may hand a database only to a role it is a
                # member of, and must stay one to back up, restore and drop what it will own.
                steps.insert(1, sql.SQL("GRANT {} TO CURRENT_USER").format(ident))
            # One transaction: a step that fails leaves no role behind for the caller to miss.
            with c.transaction():
                for step in steps:
                    c.execute(step)

        await self._admin(work)

    async def drop_database(self, name: str) -> None:
        """DROP DATABASE ... WITH (FORCE): open connections are closed first."""
        q = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(check_ident(name))
        )
        await self._admin(lambda c: c.execute(q))

    async def drop_user(self, user: str) -> None:
        """DROP ROLE IF EXISTS."""
        q = sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(check_ident(user)))
        await self._admin(lambda c: c.execute(q))

    async def table_counts(self, database: str) -> dict[str, int]:
        """Rows per `schema.table`, in one repeatable-read snapshot."""

        def work() -> dict[str, int]:
            with self._connect(check_ident(database)) as conn:
                conn.autocommit = False
                conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                with conn.transaction(), conn.cursor() as cur:
                    return _counts(cur)

        return await self.in_thread(work)

    def command_env(self) -> dict[str, str]:
        """PGPASSWORD, so the password is never in argv."""
        env = {"PGCONNECT_TIMEOUT": str(CONNECT_TIMEOUT)}
        if self.conn.password:
            env["PGPASSWORD"] = self.conn.password
        return env

    def _target(self) -> list[str]:
        c = self.conn
        args = ["--host", c.host, "--port", str(c.port), "--no-password"]
        return [*args, "--username", c.user] if c.user else args

    async def dump(self, database: str, path: Path) -> dict[str, int]:
        """pg_dump in custom format (compressed) from the snapshot the rows were counted in."""
        conn = await self.in_thread(lambda: self._connect(check_ident(database)))
        try:
            conn.autocommit = False
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ

            def begin() -> tuple[str, dict[str, int]]:
                with conn.cursor() as cur:
                    row = cur.execute("SELECT pg_export_snapshot()").fetchone()
                    return str(row[0]) if row else "", _counts(cur)

            # The transaction stays open until pg_dump is done, so its snapshot stays valid.
            snapshot, counts = await self.in_thread(begin)
            argv = ["pg_dump", "--format", "custom", *self._target(), "--snapshot", snapshot]
            await self.run([*argv, "--file", str(path), "--dbname", database], "pg_dump")
            return counts
        finally:
            await asyncio.to_thread(conn.close)

    async def restore(self, path: Path, database: str, *, clean: bool, keep_owner: bool) -> None:
        """pg_restore in one transaction: all of it or nothing."""
        argv = ["pg_restore", *self._target(), "--single-transaction", "--exit-on-error"]
        if clean:
            argv += ["--clean", "--if-exists"]
        if not keep_owner:
            argv += ["--no-owner", "--no-privileges"]
        await self.run([*argv, "--dbname", check_ident(database), str(path)], "pg_restore")
