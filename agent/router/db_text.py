"""Replies for the database and hosts tools: what was made, backed up, verified, restored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.router.format import token, when
from agent.router.types import PlannedCall
from agent.router.watch_text import ago
from core.units import size

Data = dict[str, Any]
ENGINES = {"postgresql": "PostgreSQL", "mariadb": "MariaDB", "redis": "Redis"}
ADD_HOST = "`jarvis hosts add NAME --ssh USER@ADDRESS --key FILE`"
ADD_SERVER = "`jarvis databases add-server NAME --url URL`"


def _rows(data: Data, key: str) -> list[Mapping[str, Any]]:
    return [r for r in data.get(key) or [] if isinstance(r, Mapping)]


def _id(value: Any) -> str:
    return token(str(value or "?")[:8])


def _rows_text(count: Any) -> str:
    n = int(count or 0)
    return f"{n} row" if n == 1 else f"{n} rows"


def _tables(tables: Any) -> str:
    n = len(tables or [])
    return f"{n} table" if n == 1 else f"{n} tables"


def servers(args: Data, data: Data) -> str:
    """db.list_servers: each server's engine and address."""
    rows = [
        f"{token(s.get('name'))} ({ENGINES.get(str(s.get('engine')), token(s.get('engine')))} "
        f"at {token(s.get('address'))}:{s.get('port')})"
        for s in _rows(data, "servers")
    ]
    return "Database servers: " + ", ".join(rows) + "."


def databases(args: Data, data: Data) -> str:
    """db.list_databases: names with sizes."""
    rows = _rows(data, "databases")
    items = [
        token(d.get("name")) + (f" ({size(d.get('size_bytes'))})" if d.get("size_bytes") else "")
        for d in rows
    ]
    shown = ", ".join(items[:20]) + (f" and {len(items) - 20} more" if len(items) > 20 else "")
    count = f"{len(rows)} database" + ("" if len(rows) == 1 else "s")
    return f"{token(data.get('server'))} has {count}: {shown}."


def server_info(args: Data, data: Data) -> str:
    """db.server_info: the version, so the server is up."""
    return f"{token(data.get('server'))} is up: {token(data.get('version'))}."


def _backup_line(b: Mapping[str, Any]) -> str:
    verified = {"passed": "verified", "failed": "verification failed"}.get(
        str(b.get("verified")), "not verified"
    )
    status = "" if b.get("status") == "done" else f", {token(b.get('status'))}"
    return (
        f"{_id(b.get('id'))} from {when(b.get('created_at'))} ({size(b.get('size'))}, "
        f"{_rows_text(b.get('rows'))}, {verified}{status})"
    )


def backups(args: Data, data: Data) -> str:
    """db.list_backups: how many, and the newest few."""
    rows = _rows(data, "backups")
    where = f"{token(data.get('database'))} on {token(data.get('server'))}"
    lines = "; ".join(_backup_line(b) for b in rows[:3])
    more = f"; and {len(rows) - 3} older" if len(rows) > 3 else ""
    return f"Backups of {where}: {len(rows)}, newest first: {lines}{more}."


def no_backups(args: Data, data: Data) -> str:
    """db.list_backups with none."""
    where = f"{token(args.get('database'))} on {token(args.get('server'))}"
    return f"There are no backups of {where} yet."


def created(args: Data, data: Data) -> str:
    """db.create_database: the database, its user and where its password is."""
    return (
        f"Created database {token(data.get('database'))} on {token(data.get('server'))} with its "
        f"own user {token(data.get('user'))} ({token(data.get('host'))}:{data.get('port')}). Its "
        f"password is in the vault; see it once with `{data.get('reveal')}`."
    )


def dropped(args: Data, data: Data) -> str:
    """db.drop_database: the database, and its user if Jarvis made one."""
    user = " and its user" if data.get("user_dropped") else ""
    return f"Dropped database {token(data.get('database'))}{user} on {token(data.get('server'))}."


def backed_up(args: Data, data: Data) -> str:
    """db.backup: the new backup's id, size and rows."""
    b: Mapping[str, Any] = data.get("backup") or {}
    tables = b.get("tables") or {}
    return (
        f"Backed up {token(args.get('database'))} on {token(args.get('server'))}: backup "
        f"{_id(b.get('id'))}, {size(b.get('size'))}, {_tables(tables)}, "
        f"{_rows_text(b.get('rows'))}."
    )


def _mismatch(tables: list[Mapping[str, Any]]) -> str:
    bad = [t for t in tables if not t.get("ok", True)]
    if not bad:
        return "every table as recorded"
    return "differences: " + "; ".join(
        f"{token(t.get('table'))} expected {t.get('expected')}, found {t.get('found')}"
        for t in bad[:5]
    )


def verified(args: Data, data: Data) -> str:
    """db.verify_backup: restored into a scratch database and counted."""
    tables = _rows(data, "tables")
    return (
        f"Backup {_id(data.get('backup'))} of {token(data.get('database'))} verified: restored "
        f"into a scratch database, {_rows_text(data.get('rows'))} in {_tables(tables)}, "
        f"{_mismatch(tables)}; the scratch database was dropped."
    )


def restored(args: Data, data: Data) -> str:
    """db.restore: what the target holds now, and the safety backup taken first."""
    tables = _rows(data, "tables")
    made = " (a new database)" if data.get("created") else ""
    text = (
        f"Restored backup {_id(data.get('backup'))} into {token(data.get('database'))}{made} on "
        f"{token(data.get('server'))}: {_rows_text(data.get('rows'))} in {_tables(tables)}, "
        f"{_mismatch(tables)}."
    )
    if data.get("safety_backup"):
        text += f" The database as it was is kept as safety backup {_id(data['safety_backup'])}."
    return text


def hosts(args: Data, data: Data) -> str:
    """hosts.list: where each host is and when it last answered."""
    rows = [
        f"{token(h.get('name'))} ({token(h.get('username'))}@{token(h.get('address'))}:"
        f"{h.get('port')}, "
        + (f"last seen {ago(h.get('last_seen_at'))}" if h.get("last_seen_at") else "not seen yet")
        + ")"
        for h in _rows(data, "hosts")
    ]
    return "Other hosts: " + "; ".join(rows) + "."


SUMMARIES = {
    "db.list_servers": servers,
    "db.list_databases": databases,
    "db.server_info": server_info,
    "db.list_backups": backups,
    "db.create_database": created,
    "db.drop_database": dropped,
    "db.backup": backed_up,
    "db.verify_backup": verified,
    "db.restore": restored,
    "hosts.list": hosts,
}
EMPTY = {
    "db.list_servers": lambda a, d: f"No database server is registered; add one with {ADD_SERVER}.",
    "db.list_databases": lambda a, d: f"{token(a.get('server'))} has no databases of its own yet.",
    "db.list_backups": no_backups,
    "hosts.list": lambda a, d: f"No other hosts are registered; add one with {ADD_HOST}.",
}
_GERUNDS = {
    "db.list_servers": "listing the database servers",
    "db.list_databases": "listing the databases on {server}",
    "db.server_info": "checking the database server {server}",
    "db.list_backups": "listing the backups of {database} on {server}",
    "db.create_database": "creating database {name} on {server}",
    "db.drop_database": "dropping database {name} on {server}",
    "db.backup": "backing up {database} on {server}",
    "db.verify_backup": "verifying backup {backup}",
    "db.restore": "restoring backup {backup} into {database}",
    "db.deploy_server": "deploying a database server",
    "hosts.list": "listing the other hosts",
}


def describe(call: PlannedCall) -> str | None:
    """What a database or hosts call does, as a gerund phrase (None for other tools)."""
    if call.tool.startswith("system.") and call.args.get("host"):
        what = {"system.disks": "reading the disks", "system.memory": "reading memory use"}
        return f"{what.get(call.tool, 'running ' + call.tool)} of {token(call.args['host'])}"
    template = _GERUNDS.get(call.tool)
    if template is None:
        return None
    args = {k: token(str(v)[:8] if k == "backup" else v) for k, v in call.args.items()}
    try:
        return template.format(**args)
    except KeyError:
        return template.split(" {")[0]
