"""Database fixtures: every persistence test runs on SQLite and on the machine's PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from memory.db import Database, upgrade
from tests.testbed.services import missing_service

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
AUDIT_KEY = b"test-audit-key"


def _pg_create(name: str) -> str:
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        missing_service(
            "PostgreSQL on 127.0.0.1:5432",
            f"{exc}; start it with 'pg_ctlcluster --skip-systemctl-redirect 15 main start'",
        )
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def _pg_drop(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jarvis.db'}"
        upgrade(url)
        yield url
        return
    name = f"jarvis_test_{uuid.uuid4().hex[:12]}"
    url = _pg_create(name)
    try:
        upgrade(url)
        yield url
    finally:
        _pg_drop(name)


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    """An open Database on the migrated test database."""
    db = Database(db_url, audit_key=AUDIT_KEY)
    yield db
    await db.close()
