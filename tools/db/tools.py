"""db.*: the registered servers and their databases (list, create with a user, drop)."""

from __future__ import annotations

import secrets
from typing import Any

from core.errors import ChangeFailed, Conflict, JarvisError, NotFound, NothingToDo
from memory import databases
from memory.models import utcnow
from tools.db import servers
from tools.db.engine import DatabaseInfo
from tools.db.models import NameArgs, ServerArgs
from tools.db.redis_info import redis_info
from tools.deps import ToolDeps
from tools.registry import ToolArgs, ToolFamily, ToolResult

family = ToolFamily("db")


class NoArgs(ToolArgs):
    """No arguments."""


class ServerRow(ToolResult):
    """A registered server (its password stays in the vault)."""

    name: str
    engine: str
    address: str
    port: int
    username: str | None
    container: str | None


class ServersResult(ToolResult):
    """Every registered server."""

    servers: list[ServerRow]

    def is_empty(self) -> bool:
        """No server registered."""
        return not self.servers


@family.tool(
    "list_servers",
    risk="read",
    resource="db:*",
    description="List the registered database servers (PostgreSQL, MariaDB/MySQL, Redis).",
)
async def list_servers(args: NoArgs, deps: ToolDeps) -> ServersResult:
    """The registry, without contacting any server."""
    rows = await databases.list_servers(servers.store(deps))
    return ServersResult(
        servers=[
            ServerRow(
                name=r.name,
                engine=r.engine,
                address=r.address,
                port=r.port,
                username=r.username,
                container=r.container,
            )
            for r in rows
        ]
    )


class InfoResult(ToolResult):
    """A server's version and health figures."""

    server: str
    engine: str
    version: str
    info: dict[str, Any]


@family.tool(
    "server_info",
    risk="read",
    resource="db:{server}",
    description=(
        "Check a registered database server: version and databases (SQL servers), or memory, "
        "persistence and keys (Redis)."
    ),
)
async def server_info(args: ServerArgs, deps: ToolDeps) -> InfoResult:
    """Contact the server once."""
    server = await databases.get_server(servers.store(deps), args.server)
    conn = await servers.conn_for(deps, server)
    if server.engine == "redis":
        info = await redis_info(conn)
        version = f"Redis {info['server']['redis_version']}"
        return InfoResult(server=server.name, engine="redis", version=version, info=info)
    engine = servers.make_engine(server.engine, conn, servers.executor(deps))
    found = await engine.list_databases()
    info = {"databases": len(found), "size_bytes": sum(d.size_bytes or 0 for d in found)}
    return InfoResult(
        server=server.name, engine=server.engine, version=await engine.version(), info=info
    )


class DatabasesResult(ToolResult):
    """The databases of one server."""

    server: str
    databases: list[DatabaseInfo]

    def is_empty(self) -> bool:
        """The server has no user databases."""
        return not self.databases


@family.tool(
    "list_databases",
    risk="read",
    resource="db:{server}",
    description="List the databases on a registered server with size, owner and connections.",
)
async def list_databases(args: ServerArgs, deps: ToolDeps) -> DatabasesResult:
    """Ask the server."""
    _server, engine = await servers.engine_for(deps, args.server)
    return DatabasesResult(server=args.server, databases=await engine.list_databases())


class CreatedResult(ToolResult):
    """A new database and its user; the password only as a vault placeholder."""

    server: str
    database: str
    user: str
    password: str
    host: str
    port: int
    reveal: str


async def known_server(args: Any, deps: ToolDeps) -> Any:
    """The call names a registered server (an unknown one is bad input, nothing is asked)."""
    await databases.get_server(servers.store(deps), args.server)
    return args


async def _absent(args: NameArgs, deps: ToolDeps) -> None:
    _server, engine = await servers.engine_for(deps, args.server)
    if await engine.exists(args.name):
        raise NothingToDo(f"database {args.name!r} already exists on {args.server}")
    if await engine.user_exists(args.name):
        raise Conflict(f"a user named {args.name!r} already exists on {args.server}")


@family.tool(
    "create_database",
    risk="write",
    resource="db:{server}/{name}",
    canonical=known_server,
    precheck=_absent,
    description=(
        "Create a database and its own user (same name) with a generated password kept in the "
        "vault; the person sees the password once with `jarvis databases reveal`."
    ),
)
async def create_database(args: NameArgs, deps: ToolDeps) -> CreatedResult:
    """Database, then user; any failure drops what was made."""
    store = servers.store(deps)
    server, engine = await servers.engine_for(deps, args.server)
    await _absent(args, deps)
    password = secrets.token_urlsafe(24)
    made: list[str] = []
    try:
        await engine.create_database(args.name)
        made.append("database")
        await engine.create_user(args.name, password, args.name)
        made.append("user")
        vault, salt = servers.vault(deps), deps.redaction_salt
        ref = await databases.remember_secret(store, vault, salt, password)
        users = dict(server.options.get("users", {}))
        users[args.name] = {"password_ref": ref, "created_at": utcnow().isoformat()}
        await databases.update_options(store, server.name, {**server.options, "users": users})
    except Exception as exc:
        undone = await _undo(engine, args.name, made)
        why = exc.message if isinstance(exc, JarvisError) else type(exc).__name__
        raise ChangeFailed(f"creating {args.name} failed: {why}; {undone}") from None
    return CreatedResult(
        server=server.name,
        database=args.name,
        user=args.name,
        password=deps.secret(password),
        host=server.address,
        port=server.port,
        reveal=f"jarvis databases reveal {server.name} {args.name}",
    )


async def _undo(engine: Any, name: str, made: list[str]) -> str:
    problems = []
    for what, fn in (("user", engine.drop_user), ("database", engine.drop_database)):
        if what in made:
            try:
                await fn(name)
            except JarvisError as exc:
                problems.append(f"the {what} could not be dropped: {exc.message}")
    if problems:
        return "rolled back only partly: " + "; ".join(problems)
    return "rolled back: nothing was left behind"


class DroppedResult(ToolResult):
    """What was dropped."""

    server: str
    database: str
    user_dropped: bool


async def _present(args: NameArgs, deps: ToolDeps) -> None:
    _server, engine = await servers.engine_for(deps, args.server)
    if not await engine.exists(args.name):
        raise NothingToDo(f"there is no database {args.name!r} on {args.server}")


@family.tool(
    "drop_database",
    risk="destructive",
    resource="db:{server}/{name}",
    canonical=known_server,
    precheck=_present,
    description=(
        "Drop a database (its connections are closed) and the user Jarvis created for it. "
        "Its backups stay."
    ),
)
async def drop_database(args: NameArgs, deps: ToolDeps) -> DroppedResult:
    """DROP DATABASE, then the user made with it."""
    store = servers.store(deps)
    server, engine = await servers.engine_for(deps, args.server)
    if not await engine.exists(args.name):
        raise NotFound(f"there is no database {args.name!r} on {args.server}")
    await engine.drop_database(args.name)
    users = dict(server.options.get("users", {}))
    mine = users.pop(args.name, None) is not None
    if mine:
        await engine.drop_user(args.name)
        await databases.update_options(store, server.name, {**server.options, "users": users})
    return DroppedResult(server=server.name, database=args.name, user_dropped=mine)
