"""Database checks: every registered server answers; every database has a fresh, proved backup."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from core.errors import BadInput, JarvisError
from memory import databases
from memory.databases import BackupView, ServerView
from memory.db import Database
from memory.findings import Observation, Remedy, list_findings
from tools.checks.base import Check, CheckContext, CheckResult, CheckSet
from tools.db import servers
from tools.db.names import check_user_database
from tools.db.redis_info import redis_info

checks = CheckSet()
# A nightly backup that ran yesterday is at most a day old; two hours of slack for a slow run.
MAX_BACKUP_AGE = timedelta(hours=26)


class Answer(BaseModel):
    """One server in this pass: the databases it listed, or why it did not answer."""

    server: ServerView
    databases: list[str] = []
    error: str | None = None
    kind: str | None = None


async def _ask(ctx: CheckContext, server: ServerView) -> Answer:
    """One round trip: list the databases (SQL servers) or read INFO (Redis)."""
    try:
        conn = await servers.conn_for(ctx.deps, server)
        if server.engine == "redis":
            await redis_info(conn)
            return Answer(server=server)
        engine = servers.make_engine(server.engine, conn, servers.executor(ctx.deps))
        found = await engine.list_databases()
    except JarvisError as exc:
        return Answer(server=server, error=exc.message, kind=exc.kind)
    return Answer(server=server, databases=[d.name for d in found])


async def _answers(ctx: CheckContext, db: Database) -> list[Answer]:
    async def load() -> list[Answer]:
        known = await databases.list_servers(db)
        return list(await asyncio.gather(*(_ask(ctx, s) for s in known)))

    found: list[Answer] = await ctx.shared("databases.answers", load)
    return found


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _backed_up(name: str) -> bool:
    """Databases the nightly run backs up (not an engine's own, not a scratch one)."""
    try:
        check_user_database(name)
    except BadInput:
        return False
    return True


@checks.check(
    "databases.server_down",
    title="A registered database server does not answer",
    description="""Connects to every registered database server (PostgreSQL, MariaDB/MySQL,
        Redis) with its credentials from the vault and lists its databases (or reads INFO).""",
    severity_rule="""critical: while a server does not answer or refuses Jarvis's
        credentials, nothing on it is backed up and the services using it are likely down.""",
)
async def server_down(ctx: CheckContext) -> CheckResult:
    """One observation per server that did not answer."""
    if ctx.db is None:
        return CheckResult()
    out = []
    for a in await _answers(ctx, ctx.db):
        if a.error is None:
            continue
        s = a.server
        refused = a.kind == "auth_failed"
        out.append(
            server_down.observe(
                f"db:{s.name}",
                "critical",
                f"{s.engine} server {s.name} ({s.address}:{s.port}) "
                + ("refuses Jarvis's credentials" if refused else "does not answer")
                + f": {a.error}",
                {"engine": s.engine, "address": s.address, "port": s.port, "error": a.error},
            )
        )
    return CheckResult(observations=out)


def _stale(
    check: Check, server: str, database: str, backups: list[BackupView], ctx: CheckContext
) -> Observation | None:
    """A warning when the newest finished backup is missing or older than MAX_BACKUP_AGE."""
    done = [b for b in backups if b.status == "done"]
    now = _utc(ctx.now)
    if done and now - _utc(done[0].created_at) <= MAX_BACKUP_AGE:
        return None
    evidence: dict[str, object] = {"server": server, "database": database}
    if done:
        age = now - _utc(done[0].created_at)
        summary = f"newest backup is {age.total_seconds() / 3600:.0f} h old ({done[0].id[:8]})"
        evidence.update(newest=done[0].id, newest_at=done[0].created_at.isoformat())
    else:
        summary = "has never been backed up"
    last = backups[0] if backups else None
    if last is not None and last.status == "failed":
        summary += f"; the last attempt failed: {last.error}"
        evidence["last_error"] = last.error
    return check.observe(
        f"db:{server}/{database}",
        "warning",
        f"database {server}/{database} {summary}",
        evidence,
        Remedy(
            tool="db.backup",
            args={"server": server, "database": database},
            why=f"no successful backup in the last {MAX_BACKUP_AGE.total_seconds() / 3600:.0f} h",
        ),
    )


async def _open_resources(db: Database, check: str) -> set[str]:
    return {
        f.resource for f in await list_findings(db, status="open", limit=5000) if f.check == check
    }


@checks.check(
    "databases.backup_age",
    title="A database has no recent backup",
    description="""Lists the databases of every registered PostgreSQL and MariaDB server and
        looks up the newest finished backup of each in Jarvis's records. The nightly
        maintenance backs every one of them up.""",
    severity_rule=f"""warning when a database has no successful backup in the last
        {MAX_BACKUP_AGE.total_seconds() / 3600:.0f} hours (databases of a server registered
        less than that ago are given the time to get their first nightly backup).""",
    remedy="db.backup for that database",
)
async def backup_age(ctx: CheckContext) -> CheckResult:
    """One observation per database whose newest finished backup is too old or missing."""
    if ctx.db is None:
        return CheckResult()
    out, down = [], set()
    for a in await _answers(ctx, ctx.db):
        s = a.server
        if s.engine not in servers.ENGINES:
            continue
        if a.error is not None:
            down.add(s.name)  # what it holds is unknown this pass: its findings stay as they are
            continue
        new = _utc(ctx.now) - _utc(s.created_at) < MAX_BACKUP_AGE
        for name in filter(_backed_up, a.databases):
            backups = await databases.list_backups(ctx.db, s.name, name)
            if new and not backups:
                continue
            found = _stale(backup_age, s.name, name, backups, ctx)
            if found is not None:
                out.append(found)
    if not down:
        return CheckResult(observations=out)
    seen = await _open_resources(ctx.db, backup_age.id)
    scope = {r for r in seen if r.removeprefix("db:").split("/", 1)[0] not in down}
    return CheckResult(observations=out, scope=scope | {o.resource for o in out})


def _verify_problem(check: Check, server: str, backups: list[BackupView]) -> Observation | None:
    """Critical when the newest finished backup failed verification and none older passed."""
    # A restore's safety backups are never verified, so they neither hide nor prove anything.
    done = [b for b in backups if b.status == "done" and b.kind != "safety"]
    if not done or done[0].verify_status != "failed":
        return None
    newest = done[0]
    proven = next((b for b in done[1:] if b.verify_status == "passed"), None)
    detail = newest.verify_detail or {}
    why = detail.get("error") or ", ".join(
        f"{t['table']} expected {t['expected']} found {t['found']}"
        for t in detail.get("tables", [])
        if not t.get("ok")
    )
    fallback = (
        f"the newest verified one is {proven.id[:8]} of {proven.created_at:%Y-%m-%d %H:%M}"
        if proven
        else "no older backup of it was verified either"
    )
    return check.observe(
        f"db:{server}/{newest.database}",
        "warning" if proven else "critical",
        f"backup {newest.id[:8]} of {server}/{newest.database} failed verification "
        f"({why or 'see its record'}); {fallback}",
        {
            "backup": newest.id,
            "verified_at": newest.verified_at.isoformat() if newest.verified_at else None,
            "detail": detail,
            "last_verified": proven.id if proven else None,
        },
    )


@checks.check(
    "databases.verify",
    title="A database's newest backup failed its verification",
    description="""Reads Jarvis's backup records: the newest finished backup of each database
        is expected to have restored into a scratch database with the rows it recorded.""",
    severity_rule="""critical when the newest backup failed verification and no older backup
        of that database passed one (nothing is known to restore); warning when an older
        verified backup exists.""",
)
async def verify(ctx: CheckContext) -> CheckResult:
    """One observation per database whose newest backup did not prove itself."""
    if ctx.db is None:
        return CheckResult()
    out = []
    for s in await databases.list_servers(ctx.db):
        by_db: dict[str, list[BackupView]] = {}
        for b in await databases.list_backups(ctx.db, s.name):
            by_db.setdefault(b.database, []).append(b)
        for backups in by_db.values():
            found = _verify_problem(verify, s.name, backups)
            if found is not None:
                out.append(found)
    return CheckResult(observations=out)
