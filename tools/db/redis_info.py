"""A Redis server's health: version, memory and persistence, through the `redis` client."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import AuthenticationError, RedisError

from core.errors import AuthFailed, Unreachable
from tools.db.engine import Conn

FIELDS = {
    "server": ("redis_version", "uptime_in_seconds"),
    "memory": ("used_memory", "used_memory_peak", "maxmemory", "maxmemory_policy"),
    "persistence": (
        "rdb_last_save_time",
        "rdb_last_bgsave_status",
        "rdb_changes_since_last_save",
        "aof_enabled",
        "aof_last_write_status",
    ),
}


async def redis_info(conn: Conn) -> dict[str, Any]:
    """INFO server, memory and persistence, reduced to the figures that tell health."""
    client = aioredis.Redis(
        host=conn.host,
        port=conn.port,
        username=conn.user,
        password=conn.password,
        db=int(conn.options.get("db", 0)),
        socket_timeout=10,
        socket_connect_timeout=10,
    )
    try:
        out: dict[str, Any] = {}
        for section, keys in FIELDS.items():
            info = await client.info(section)
            out[section] = {k: info.get(k) for k in keys}
        out["keys"] = await client.dbsize()
        return out
    except AuthenticationError as exc:
        where = f"redis server {conn.host}:{conn.port}"
        raise AuthFailed(f"{where} refused the credentials: {exc}") from None
    except RedisError as exc:
        raise Unreachable(f"redis server {conn.host}:{conn.port} did not answer: {exc}") from None
    finally:
        await client.aclose()
