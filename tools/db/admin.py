"""Registering servers and showing a created user's password: what a person does directly.

These are not tools (the model never calls them): the CLI uses them, each step audited.
"""

from __future__ import annotations

from typing import Any

from core.errors import BadInput, Conflict, NotFound
from memory import audit, databases
from memory.databases import ServerView
from memory.models import utcnow
from memory.vault import Vault
from tools.db import servers
from tools.db.engine import Conn
from tools.db.names import SERVER_RE
from tools.db.redis_info import redis_info
from tools.db.urls import parse_server_url
from tools.deps import ToolDeps


async def check_server(deps: ToolDeps, engine: str, conn: Conn) -> str:
    """Contact a server once with these credentials; returns its version."""
    if engine == "redis":
        info = await redis_info(conn)
        return f"Redis {info['server']['redis_version']}"
    return await servers.make_engine(engine, conn, servers.executor(deps)).version()


async def register_server(
    deps: ToolDeps, vault: Vault, name: str, url: str, *, actor: str
) -> tuple[ServerView, str]:
    """Check the URL and the credentials, then store the server (password in the vault)."""
    if not SERVER_RE.fullmatch(name):
        raise BadInput(
            f"server name {name!r} is not allowed: lower-case letters, digits, - and _, "
            "starting with a letter"
        )
    parsed = parse_server_url(url)
    store = servers.store(deps)
    try:
        await databases.get_server(store, name)
    except NotFound:
        pass
    else:
        raise Conflict(f"a database server named {name!r} is already registered")
    conn = Conn(parsed.host, parsed.port, parsed.user, parsed.password, parsed.options)
    version = await check_server(deps, parsed.engine, conn)
    view = await databases.add_server(
        store,
        vault,
        deps.redaction_salt,
        name=name,
        engine=parsed.engine,
        address=parsed.host,
        port=parsed.port,
        username=parsed.user,
        password=parsed.password,
        options=parsed.options,
    )
    await audit.record(
        store,
        actor=actor,
        event="db_server_added",
        resource=f"db:{name}",
        data={"engine": view.engine, "address": view.address, "port": view.port},
    )
    return view, version


async def remove_server(deps: ToolDeps, name: str, *, actor: str) -> ServerView:
    """Forget a server (its databases and backups are not touched)."""
    store = servers.store(deps)
    view = await databases.remove_server(store, name)
    await audit.record(store, actor=actor, event="db_server_removed", resource=f"db:{name}")
    return view


async def reveal_password(
    deps: ToolDeps, vault: Vault, server: str, database: str, *, actor: str, again: bool
) -> dict[str, Any]:
    """The password of the user created with a database, for the person, once (audited)."""
    store = servers.store(deps)
    view = await databases.get_server(store, server)
    users = dict(view.options.get("users", {}))
    entry = users.get(database)
    if entry is None:
        raise NotFound(f"Jarvis created no user for database {database!r} on {server}")
    if entry.get("revealed_at") and not again:
        raise Conflict(
            f"the password of {database} was shown on {entry['revealed_at']}; "
            "pass --again to show it once more"
        )
    password = await databases.reveal_secret(store, vault, entry["password_ref"])
    users[database] = {**entry, "revealed_at": utcnow().isoformat()}
    await databases.update_options(store, server, {**view.options, "users": users})
    await audit.record(
        store, actor=actor, event="db_password_revealed", resource=f"db:{server}/{database}"
    )
    return {
        "server": server,
        "database": database,
        "user": database,
        "host": view.address,
        "port": view.port,
        "password": password,
    }
