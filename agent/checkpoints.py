"""LangGraph checkpoints beside Jarvis's own data: a SQLite file or the same PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from sqlalchemy.engine import make_url

from core.errors import BadInput
from core.paths import private_sqlite


def sqlite_checkpoint_path(database_url: str) -> Path:
    """Checkpoints live next to the SQLite database, in their own file."""
    url = make_url(database_url)
    if not url.database or url.database == ":memory:":
        raise BadInput("checkpoints need a SQLite database file, not an in-memory database")
    db = Path(url.database)
    return db.with_name(db.stem + ".checkpoints.sqlite")


def postgres_conninfo(database_url: str) -> str:
    """A libpq connection string for the same database (without the SQLAlchemy driver)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@asynccontextmanager
async def open_checkpointer(database_url: str) -> AsyncIterator[BaseCheckpointSaver[str]]:
    """A ready checkpointer (tables set up) for the configured database."""
    backend = make_url(database_url).get_backend_name()
    if backend == "sqlite":
        path = sqlite_checkpoint_path(database_url)
        private_sqlite(path)
        async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
            await saver.setup()
            yield saver
    elif backend == "postgresql":
        async with AsyncPostgresSaver.from_conn_string(postgres_conninfo(database_url)) as pg:
            await pg.setup()
            yield pg
    else:
        raise BadInput(f"no checkpoint store for database type {backend!r}")


async def trim_checkpoints(database_url: str, before: datetime) -> int:
    """Delete the checkpoints of chat threads idle since before `before`; how many threads."""
    newest: dict[str, datetime] = {}
    async with open_checkpointer(database_url) as saver:
        async for item in saver.alist(None):
            thread = str(item.config["configurable"].get("thread_id"))
            stamp = datetime.fromisoformat(item.checkpoint["ts"])
            if thread not in newest or stamp > newest[thread]:
                newest[thread] = stamp
        idle = [t for t, stamp in newest.items() if stamp < before]
        for thread in idle:
            await saver.adelete_thread(thread)
    return len(idle)
