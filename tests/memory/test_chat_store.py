"""The chat layer's engine wiring on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from memory.chat_store import wire_chat_engine
from memory.db import async_url


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(async_url(db_url))
    wire_chat_engine(engine)
    yield engine
    await engine.dispose()


async def test_dicts_are_bound_as_json_text(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        got = (await conn.execute(text("SELECT :v"), {"v": {"a": 1}})).scalar_one()
    assert json.loads(got) == {"a": 1}


async def test_lists_become_json_on_sqlite_only(engine: AsyncEngine) -> None:
    sqlite = engine.dialect.name == "sqlite"
    query = "SELECT :v" if sqlite else "SELECT CAST(:v AS TEXT[])"
    async with engine.connect() as conn:
        got = (await conn.execute(text(query), {"v": ["x", "y"]})).scalar_one()
    assert (json.loads(got) if sqlite else got) == ["x", "y"]


async def test_sqlite_connections_enforce_foreign_keys(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("a SQLite pragma")
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one() == 10000
