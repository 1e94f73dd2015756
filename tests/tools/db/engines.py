"""The loopback PostgreSQL and MariaDB as test targets: URLs, direct SQL, and cleanup."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pymysql
import pytest

from tests.testbed.services import missing_service

PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MARIADB_URL = "mariadb://root@127.0.0.1:3306"


@dataclass(frozen=True)
class Target:
    """One engine on loopback, reached directly (not through Jarvis) to set up and check."""

    engine: str
    url: str

    def sql(self, database: str | None, *statements: str) -> list[Any]:
        """Run statements as the admin; the last one's rows are returned."""
        rows: list[Any] = []
        if self.engine == "postgresql":
            with psycopg.connect(
                host="127.0.0.1", user="postgres", dbname=database or "postgres", autocommit=True
            ) as conn:
                for statement in statements:
                    cur = conn.execute(statement)
                    rows = cur.fetchall() if cur.description else []
            return rows
        maria = pymysql.connect(host="127.0.0.1", user="root", database=database, autocommit=True)
        try:
            with maria.cursor() as mcur:
                for statement in statements:
                    mcur.execute(statement)
                    rows = list(mcur.fetchall())
        finally:
            maria.close()
        return rows

    def databases(self) -> set[str]:
        """Every database on the server."""
        if self.engine == "postgresql":
            return {r[0] for r in self.sql(None, "SELECT datname FROM pg_database")}
        return {r[0] for r in self.sql(None, "SHOW DATABASES")}

    def users(self) -> set[str]:
        """Every login on the server."""
        if self.engine == "postgresql":
            return {r[0] for r in self.sql(None, "SELECT rolname FROM pg_roles")}
        return {r[0] for r in self.sql(None, "SELECT user FROM mysql.user")}

    def fill(self, database: str, rows: int) -> None:
        """A table `items` with `rows` rows."""
        make = "CREATE TABLE items (id integer PRIMARY KEY, label text)"
        if self.engine == "postgresql":
            fill = f"INSERT INTO items SELECT g, md5(g::text) FROM generate_series(1, {rows}) g"
        else:
            fill = f"INSERT INTO items SELECT seq, md5(seq) FROM seq_1_to_{rows}"
        self.sql(database, make, fill)

    def count(self, database: str, table: str = "items") -> int:
        """Rows in a table."""
        return int(self.sql(database, f"SELECT count(*) FROM {table}")[0][0])

    def drop(self, database: str) -> None:
        """Drop a database and the user of that name, if they exist."""
        if self.engine == "postgresql":
            self.sql(
                None,
                f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
                f'DROP ROLE IF EXISTS "{database}"',
            )
        else:
            self.sql(
                None,
                f"DROP DATABASE IF EXISTS `{database}`",
                f"DROP USER IF EXISTS `{database}`@'%'",
            )


def _reachable(target: Target) -> None:
    try:
        target.sql(None, "SELECT 1")
    except (psycopg.OperationalError, pymysql.err.OperationalError) as exc:
        how = {
            "postgresql": "pg_ctlcluster --skip-systemctl-redirect 15 main start",
            "mariadb": "service mariadb start (root without password on 127.0.0.1:3306)",
        }[target.engine]
        missing_service(f"{target.engine} on loopback", f"{exc}; start it with '{how}'")


@pytest.fixture(params=["postgresql", "mariadb"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """Each SQL engine on loopback in turn."""
    found = Target(request.param, PG_URL if request.param == "postgresql" else MARIADB_URL)
    _reachable(found)
    yield found
