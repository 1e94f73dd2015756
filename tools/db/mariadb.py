"""MariaDB / MySQL through PyMySQL (queries) and mariadb-dump / mariadb (backups)."""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pymysql

from tools.db.engine import DatabaseInfo, Engine, connect_error
from tools.db.names import check_ident, mysql_quote

T = TypeVar("T")
CONNECT_TIMEOUT = 10
HIDDEN = ("information_schema", "performance_schema", "mysql", "sys")

LIST_SQL = """
SELECT s.schema_name, SUM(t.data_length + t.index_length),
       (SELECT COUNT(*) FROM information_schema.processlist p WHERE p.db = s.schema_name)
  FROM information_schema.schemata s
  LEFT JOIN information_schema.tables t ON t.table_schema = s.schema_name
 WHERE s.schema_name NOT IN %s
 GROUP BY s.schema_name ORDER BY s.schema_name
"""
TABLES_SQL = """
SELECT table_name FROM information_schema.tables
 WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name
"""


class MariaDb(Engine):
    """A MariaDB or MySQL server."""

    kind = "mariadb"
    suffix = ".sql.gz"
    driver_errors = (pymysql.err.MySQLError,)

    def _connect(self, database: str | None = None) -> pymysql.connections.Connection[Any]:
        c = self.conn
        try:
            return pymysql.connect(
                host=c.host,
                port=c.port,
                user=c.user or "root",
                password=c.password or "",
                database=database,
                connect_timeout=CONNECT_TIMEOUT,
                autocommit=True,
                charset="utf8mb4",
            )
        except pymysql.err.OperationalError as exc:
            raise connect_error(self.kind, c, exc) from None

    async def _admin(self, fn: Callable[[Any], T]) -> T:
        def work() -> T:
            conn = self._connect()
            try:
                with conn.cursor() as cur:
                    return fn(cur)
            finally:
                conn.close()

        return await self.in_thread(work)

    async def version(self) -> str:
        """The server's version string."""
        row = await self._admin(lambda cur: (cur.execute("SELECT VERSION()"), cur.fetchone())[1])
        return f"MariaDB/MySQL {row[0] if row else '?'}"

    async def list_databases(self) -> list[DatabaseInfo]:
        """Databases with size and connections (MariaDB has no database owners)."""

        def work(cur: Any) -> list[Any]:
            cur.execute(LIST_SQL, (HIDDEN,))
            return list(cur.fetchall())

        rows = await self._admin(work)
        return [
            DatabaseInfo(name=n, size_bytes=int(s or 0), connections=int(k)) for n, s, k in rows
        ]

    async def _one(self, query: str, args: tuple[Any, ...]) -> bool:
        def work(cur: Any) -> bool:
            cur.execute(query, args)
            return cur.fetchone() is not None

        return await self._admin(work)

    async def exists(self, name: str) -> bool:
        """Whether the database exists."""
        q = "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s"
        return await self._one(q, (name,))

    async def user_exists(self, user: str) -> bool:
        """Whether a user of that name exists (any host)."""
        return await self._one("SELECT 1 FROM mysql.user WHERE user = %s", (user,))

    async def create_database(self, name: str) -> None:
        """CREATE DATABASE with utf8mb4."""
        q = f"CREATE DATABASE {mysql_quote(name)} CHARACTER SET utf8mb4"
        await self._admin(lambda cur: cur.execute(q))

    async def create_user(self, user: str, password: str, database: str) -> None:
        """A user (from any host: services run in containers) with every right on one database."""
        u, db = mysql_quote(user), mysql_quote(database)

        def work(cur: Any) -> None:
            # PyMySQL escapes the password as a string literal.
            cur.execute(f"CREATE USER {u}@'%%' IDENTIFIED BY %s", (password,))
            try:
                cur.execute(f"GRANT ALL PRIVILEGES ON {db}.* TO {u}@'%'")
            except pymysql.err.MySQLError:
                # Users are not transactional: drop it here, the caller sees no user made.
                cur.execute(f"DROP USER IF EXISTS {u}@'%'")
                raise

        await self._admin(work)

    async def drop_database(self, name: str) -> None:
        """DROP DATABASE IF EXISTS."""
        q = f"DROP DATABASE IF EXISTS {mysql_quote(name)}"
        await self._admin(lambda cur: cur.execute(q))

    async def drop_user(self, user: str) -> None:
        """DROP USER IF EXISTS (the one Jarvis created, from any host)."""
        q = f"DROP USER IF EXISTS {mysql_quote(user)}@'%'"
        await self._admin(lambda cur: cur.execute(q))

    async def table_counts(self, database: str) -> dict[str, int]:
        """Rows per table, in one consistent snapshot."""

        def work() -> dict[str, int]:
            conn = self._connect(check_ident(database))
            try:
                with conn.cursor() as cur:
                    cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
                    cur.execute(TABLES_SQL, (database,))
                    out: dict[str, int] = {}
                    for (table,) in list(cur.fetchall()):
                        # Names come from the catalog, quoted as identifiers (backticks doubled).
                        quoted = "`" + str(table).replace("`", "``") + "`"
                        cur.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608
                        row = cur.fetchone()
                        out[str(table)] = int(row[0]) if row else 0
                    cur.execute("COMMIT")
                    return out
            finally:
                conn.close()

        return await self.in_thread(work)

    def command_env(self) -> dict[str, str]:
        """MYSQL_PWD, so the password is never in argv."""
        return {"MYSQL_PWD": self.conn.password} if self.conn.password else {}

    def _target(self) -> list[str]:
        c = self.conn
        return [
            "--host", c.host, "--port", str(c.port), "--user", c.user or "root",
            "--protocol", "tcp",
        ]  # fmt: skip

    async def dump(self, database: str, path: Path) -> dict[str, int]:
        """mariadb-dump --single-transaction, gzip-compressed; rows counted just before.

        MariaDB cannot share a snapshot between connections, so the counts come from a
        consistent snapshot taken immediately before the dump's own.
        """
        counts = await self.table_counts(database)
        plain = path.with_suffix("")  # name.sql.gz -> name.sql, in the same private folder
        argv = [
            "mariadb-dump", *self._target(), "--single-transaction", "--routines",
            "--triggers", "--events", "--result-file", str(plain), check_ident(database),
        ]  # fmt: skip
        try:
            await self.run(argv, "mariadb-dump")
            await asyncio.to_thread(_gzip, plain, path)
        finally:
            plain.unlink(missing_ok=True)
        return counts

    async def restore(self, path: Path, database: str, *, clean: bool, keep_owner: bool) -> None:
        """Feed the dump to the `mariadb` client (the dump drops and recreates its tables)."""
        data = await asyncio.to_thread(lambda: gzip.decompress(path.read_bytes()))
        argv = ["mariadb", *self._target(), "--batch", "--database", check_ident(database)]
        await self.run(argv, "mariadb (restore)", input=data)


def _gzip(source: Path, target: Path) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with (
        source.open("rb") as src,
        os.fdopen(fd, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as out,
    ):
        shutil.copyfileobj(src, out, 1 << 20)
