"""The nightly backup of every registered database, each proved by a verification."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from agent.runtime import Runtime
from core.errors import BadInput, ChangeFailed, JarvisError
from core.logging import get_logger
from memory import databases
from memory.runs import RunView
from policies.engine import AUTONOMOUS
from policies.gate import CallContext
from policies.outcome import ToolOutcome
from tools.db.names import check_user_database

# Engines whose databases are dumped; Redis servers are only checked (databases.server_down).
SQL_ENGINES = ("postgresql", "mariadb")
# What the gate takes as an idempotency key; other names are hashed (the gate then says
# what is wrong with the name itself).
MAX_KEY = 150
KEY_CHARS = re.compile(r"[A-Za-z0-9._:-]+")
NAMED_IN_SUMMARY = 8
T = TypeVar("T")
log = get_logger("background.db_backups")

Status = Literal["done", "failed", "approval_required", "skipped"]


class DatabaseBackup(BaseModel):
    """How one database (or a server that could not be listed) fared tonight."""

    server: str
    database: str | None = None
    status: Status
    backup: str | None = None
    rows: int | None = None
    message: str | None = None
    approval_id: str | None = None


def _key(run: RunView, what: str, server: str, database: str = "") -> str:
    """One idempotency key per run and database: a resumed run does not dump twice."""
    key = f"maint.{run.id}.{what}.{server}.{database}".rstrip(".")
    if len(key) <= MAX_KEY and KEY_CHARS.fullmatch(key):
        return key
    digest = hashlib.sha256(f"{server}/{database}".encode()).hexdigest()[:24]
    return f"maint.{run.id}.{what}.{digest}"


def _why(outcome: ToolOutcome) -> str:
    return outcome.message or outcome.reason or outcome.status


class NightlyBackups:
    """Backs up and verifies, one database at a time, every database of every SQL server."""

    def __init__(self, rt: Runtime, run: RunView) -> None:
        self.rt = rt
        self.run = run
        self.results: list[DatabaseBackup] = []

    async def _call(self, tool: str, args: dict[str, Any], key: str, purpose: str) -> ToolOutcome:
        ctx = CallContext(
            actor=AUTONOMOUS, run_id=self.run.id, idempotency_key=key, purpose=purpose
        )
        return await self.rt.gate.invoke(ctx, tool, args)

    async def _databases(self, server: str) -> list[str] | None:
        """The server's databases, or None (recorded as a failure) when it cannot be listed."""
        outcome = await self._call(
            "db.list_databases",
            {"server": server},
            _key(self.run, "list", server),
            f"nightly backup: list the databases of {server}",
        )
        if outcome.status not in ("ok", "no_data"):
            self.results.append(
                DatabaseBackup(server=server, status="failed", message=_why(outcome))
            )
            return None
        return [str(d["name"]) for d in (outcome.data or {}).get("databases", [])]

    async def _one(self, server: str, database: str) -> DatabaseBackup:
        """db.backup, then db.verify_backup of the file it wrote."""
        try:
            check_user_database(database)
        except BadInput as exc:  # an engine's own or a scratch database, or a name no tool takes
            return DatabaseBackup(
                server=server, database=database, status="skipped", message=exc.message
            )
        taken = await self._call(
            "db.backup",
            {"server": server, "database": database, "kind": "scheduled"},
            _key(self.run, "backup", server, database),
            f"nightly backup of {server}/{database}",
        )
        if taken.status != "ok":
            return self._not_done(server, database, taken, "backup")
        backup = (taken.data or {}).get("backup") or {}
        if "id" not in backup:
            return self._not_done(server, database, taken, "backup (no backup id in the reply)")
        checked = await self._call(
            "db.verify_backup",
            {"backup": backup["id"]},
            _key(self.run, "verify", server, database),
            f"nightly verification of the backup just taken of {server}/{database}",
        )
        if checked.status != "ok":
            return self._not_done(server, database, checked, "verify", backup["id"])
        return DatabaseBackup(
            server=server,
            database=database,
            status="done",
            backup=backup["id"],
            rows=(checked.data or {}).get("rows"),
        )

    def _not_done(
        self, server: str, database: str, outcome: ToolOutcome, step: str, backup: str | None = None
    ) -> DatabaseBackup:
        waiting = outcome.status == "approval_required"
        return DatabaseBackup(
            server=server,
            database=database,
            status="approval_required" if waiting else "failed",
            backup=backup,
            message=f"{step}: {_why(outcome)}",
            approval_id=outcome.approval_id,
        )

    async def run_all(self) -> list[DatabaseBackup]:
        """Every server in name order; one failure never stops the others."""
        for server in await databases.list_servers(self.rt.db):
            if server.engine not in SQL_ENGINES:
                continue
            names = await self._guarded(server.name, None, self._databases(server.name))
            for name in names or []:
                done = await self._guarded(server.name, name, self._one(server.name, name))
                if done is not None:
                    self.results.append(done)
        return self.results

    async def _guarded(self, server: str, database: str | None, work: Awaitable[T]) -> T | None:
        """The work's result; anything it raises is a failed entry, and the night goes on."""
        try:
            return await work
        except JarvisError as exc:
            why = exc.message
        except Exception as exc:
            log.exception("nightly_backup_crashed", server=server, database=database)
            why = f"{type(exc).__name__}: {exc}"
        self.results.append(
            DatabaseBackup(server=server, database=database, status="failed", message=why)
        )
        return None


def summarize(results: list[DatabaseBackup]) -> tuple[str, bool]:
    """The step's message (counts, then what failed) and whether anything failed."""
    if not results:
        return "no PostgreSQL or MariaDB server is registered", False
    by: dict[str, list[DatabaseBackup]] = {}
    for r in results:
        by.setdefault(r.status, []).append(r)
    done, failed = by.get("done", []), by.get("failed", [])
    waiting, skipped = by.get("approval_required", []), by.get("skipped", [])
    text = f"{len(done)} database(s) backed up and verified, {len(failed)} failed"
    if waiting:
        text += f", {len(waiting)} waiting for approval"
    if skipped:
        text += f", {len(skipped)} skipped ({', '.join(_name(r) for r in skipped[:4])})"
    if failed:
        named = "; ".join(f"{_name(r)}: {r.message}" for r in failed[:NAMED_IN_SUMMARY])
        more = len(failed) - NAMED_IN_SUMMARY
        text += f" - {named}" + (f"; and {more} more" if more > 0 else "")
    return text, bool(failed)


def _name(r: DatabaseBackup) -> str:
    return f"{r.server}/{r.database}" if r.database else r.server


async def backup_databases(rt: Runtime, run: RunView, approvals: list[str]) -> str:
    """The maintenance step: back up and verify everything; a failure fails the step."""
    results = await NightlyBackups(rt, run).run_all()
    approvals.extend(r.approval_id for r in results if r.approval_id)
    text, failed = summarize(results)
    if failed:
        raise ChangeFailed(text, {"databases": [r.model_dump() for r in results]})
    return text
