"""Database helpers: the health probe and how a missing database or schema is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from memory.db import Database, StoreUnavailable, read_sync, store_errors


async def test_ping_answers_on_a_live_database(database: Database) -> None:
    await database.ping()


async def test_ping_raises_when_the_database_is_gone(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'missing' / 'jarvis.db'}")
    try:
        with pytest.raises(OperationalError):
            await db.ping()
    finally:
        await db.close()


def test_store_errors_keep_the_first_line_of_the_driver_message() -> None:
    with pytest.raises(StoreUnavailable) as caught, store_errors():
        raise OperationalError("SELECT 1", {}, Exception("no such host\nmore detail"))
    assert caught.value.message == "no such host"
    assert caught.value.kind == "store_unavailable"
    with pytest.raises(ValueError), store_errors():
        raise ValueError("not a database problem")


def test_read_sync_reports_a_missing_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert read_sync(url, lambda session: session.execute(text("SELECT 1")).scalar_one()) == 1
    with pytest.raises(StoreUnavailable, match="audit_log"):
        read_sync(url, lambda session: session.execute(text("SELECT * FROM audit_log")).all())


def test_read_sync_runs_on_a_migrated_database(db_url: str) -> None:
    query = text("SELECT count(*) FROM audit_log")
    assert read_sync(db_url, lambda session: session.execute(query).scalar_one()) == 0
