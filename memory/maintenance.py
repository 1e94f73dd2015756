"""Housekeeping of Jarvis's own store: compaction and statistics."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from memory.db import make_sync_engine


def _compact(url: str) -> str:
    engine = make_sync_engine(url)
    try:
        # VACUUM refuses to run inside a transaction on both backends.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
                conn.execute(text("VACUUM"))
                conn.execute(text("PRAGMA optimize"))
                return "SQLite file vacuumed and optimised"
            conn.execute(text("VACUUM (ANALYZE)"))
            return "PostgreSQL tables vacuumed and analysed"
    finally:
        engine.dispose()


async def compact_store(url: str) -> str:
    """VACUUM (and analyse) the database, off the event loop; says what it did."""
    return await asyncio.to_thread(_compact, url)
