"""From a server's name to a working engine: its row, its password from the vault, a runner."""

from __future__ import annotations

from core.errors import BadInput, NotReady
from memory import databases
from memory.databases import ServerView
from memory.db import Database
from memory.vault import Vault, load_key
from tools.db.allow import DB_ALLOW_TREE
from tools.db.backups import private_folder
from tools.db.engine import Conn, Engine
from tools.db.mariadb import MariaDb
from tools.db.postgres import Postgres
from tools.deps import ToolDeps
from tools.safety.executor import SafeCommandExecutor

ENGINES: dict[str, type[Engine]] = {"postgresql": Postgres, "mariadb": MariaDb}


def store(deps: ToolDeps) -> Database:
    """Jarvis's own database (where servers and backups are recorded)."""
    if deps.db is None:
        raise NotReady("database tools need Jarvis's own database; none is configured")
    return deps.db


def vault(deps: ToolDeps) -> Vault:
    """The vault that holds server passwords (same key as the gate's)."""
    return Vault(load_key(deps.settings))


def executor(deps: ToolDeps) -> SafeCommandExecutor:
    """The argv runner for dump/restore clients: their own allow-tree, the backup folder only."""
    base = deps.executor
    folder = private_folder(deps.settings.resolved_backup_dir)
    return SafeCommandExecutor(
        timeout=deps.settings.backups.timeout_seconds,
        output_cap=deps.settings.command_output_cap_bytes,
        allow_tree=DB_ALLOW_TREE,
        redactor=base.redactor,
        path_roots=[folder],
        base_env=base.base_env,
    )


async def conn_for(deps: ToolDeps, server: ServerView) -> Conn:
    """How to reach a server, with its password taken from the vault."""
    password = None
    if server.password_ref:
        password = await databases.reveal_secret(store(deps), vault(deps), server.password_ref)
    return Conn(server.address, server.port, server.username, password, server.options)


def make_engine(kind: str, conn: Conn, runner: SafeCommandExecutor) -> Engine:
    """The engine for a SQL server kind; Redis has no databases to manage this way."""
    cls = ENGINES.get(kind)
    if cls is None:
        raise BadInput(f"a {kind} server has no SQL databases; use db.server_info for it")
    return cls(conn, runner)


async def engine_for(deps: ToolDeps, name: str) -> tuple[ServerView, Engine]:
    """The registered server called `name` and its engine."""
    server = await databases.get_server(store(deps), name)
    conn = await conn_for(deps, server)
    return server, make_engine(server.engine, conn, executor(deps))
