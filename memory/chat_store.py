"""Engine wiring for Chainlit's chat history tables, which live in Jarvis's own database."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


def _bind_value(value: Any, sqlite: bool) -> Any:
    if isinstance(value, dict):
        return json.dumps(value)  # step modes, player config: no driver adapts a bare dict
    if sqlite and isinstance(value, list | tuple):
        return json.dumps(list(value))  # thread and step tags: TEXT[] on PostgreSQL only
    return value


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # Shares the file with Jarvis's own engine: wait for its writers instead of failing.
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def wire_chat_engine(engine: AsyncEngine) -> None:
    """Bind dicts (and on SQLite lists) as JSON text; on SQLite also wait for writers."""
    sync_engine = engine.sync_engine
    sqlite = sync_engine.dialect.name == "sqlite"

    def bind(
        _conn: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        executemany: bool,
    ) -> tuple[str, Any]:
        if executemany:
            return statement, parameters
        if isinstance(parameters, dict):
            return statement, {k: _bind_value(v, sqlite) for k, v in parameters.items()}
        if isinstance(parameters, list | tuple):
            return statement, type(parameters)(_bind_value(v, sqlite) for v in parameters)
        return statement, parameters

    event.listen(sync_engine, "before_cursor_execute", bind, retval=True)
    if sqlite:
        event.listen(sync_engine, "connect", _sqlite_connect)
