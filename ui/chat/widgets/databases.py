"""Props of the Databases panel (db.list_servers, db.list_databases, db.server_info,
db.list_backups) and the Hosts panel (hosts.list).

One turn's database reads become one panel: servers with their engine, address and whether
they answered, each with its databases, sizes, and the newest backup with its verification.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agent.router.format import when as when_text
from agent.router.watch_text import ago
from ui.chat.widgets.base import Tone, clip, human_bytes, number, outcome_data, outcome_head

DB_TOOLS = frozenset({"db.list_servers", "db.list_databases", "db.server_info", "db.list_backups"})
MAX_ROWS = 200
ENGINES = {"postgresql": "PostgreSQL", "mariadb": "MariaDB", "redis": "Redis"}
_VERIFY: dict[str, tuple[str, Tone]] = {
    "passed": ("verified", "ok"),
    "failed": ("verify failed", "bad"),
}
_STATE_TONE: dict[str, Tone] = {"up": "ok", "down": "bad", "unknown": "neutral"}


def _text(value: Any, limit: int = 200) -> str | None:
    return None if value is None else clip(str(value), limit)


def _tool(outcome: Mapping[str, Any]) -> str:
    return str((outcome.get("invocation") or {}).get("tool") or "")


def _args(outcome: Mapping[str, Any]) -> Mapping[str, Any]:
    return (outcome.get("invocation") or {}).get("args") or {}


def _rows(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [r for r in data.get(key) or [] if isinstance(r, Mapping)][:MAX_ROWS]


def _rows_text(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _backup(b: Mapping[str, Any]) -> dict[str, Any]:
    """The newest backup of a database as a row shows it."""
    verified = str(b.get("verified") or "")
    label, tone = _VERIFY.get(verified, ("not verified", "warn"))
    status = str(b.get("status") or "")
    if status != "done":
        label, tone = status or "unknown", "bad" if status == "failed" else "warn"
    return {
        "id": str(b.get("id") or "")[:8],
        "created_at": _text(b.get("created_at"), 64),
        "when_text": f"{when_text(b.get('created_at'))} ({ago(b.get('created_at'))})",
        "size": human_bytes(number(b.get("size"))),
        "rows": int(number(b.get("rows")) or 0),
        "rows_text": _rows_text(int(number(b.get("rows")) or 0)),
        "verify_text": label,
        "verify_tone": tone,
        "verified_at": _text(b.get("verified_at"), 64),
    }


def _database(d: Mapping[str, Any], backups: Sequence[Mapping[str, Any]] | None) -> dict[str, Any]:
    newest = backups[0] if backups else None
    return {
        "name": str(d.get("name") or "?"),
        "size": human_bytes(number(d.get("size_bytes"))),
        "size_bytes": number(d.get("size_bytes")),
        "owner": _text(d.get("owner"), 80),
        "connections": d.get("connections"),
        "backups": None if backups is None else len(backups),
        "last_backup": _backup(newest) if newest is not None else None,
    }


def _server(name: str, known: Mapping[str, Any]) -> dict[str, Any]:
    engine = str(known.get("engine") or "")
    address = known.get("address")
    return {
        "name": name,
        "engine": engine,
        "engine_label": ENGINES.get(engine, engine or "?"),
        "address": f"{address}:{known.get('port')}" if address else None,
        "container": _text(known.get("container"), 128),
        "state": "unknown",
        "state_tone": "neutral",
        "version": None,
        "error": None,
        "databases": [],
    }


def database_panel(outcomes: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """DatabasePanel props from one turn's db.* read outcomes (any subset, any order)."""
    mine = [o for o in outcomes if _tool(o) in DB_TOOLS]
    servers: dict[str, dict[str, Any]] = {}
    listed = next((o for o in mine if _tool(o) == "db.list_servers"), None)
    for s in _rows(outcome_data(listed or {}), "servers"):
        servers[str(s.get("name"))] = _server(str(s.get("name")), s)
    backups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for o in mine:
        if _tool(o) == "db.list_backups" and o.get("status") in ("ok", "no_data"):
            key = (str(_args(o).get("server")), str(_args(o).get("database")))
            backups[key] = _rows(outcome_data(o), "backups")
    for o in mine:
        tool, server = _tool(o), str(_args(o).get("server") or "")
        if tool not in ("db.list_databases", "db.server_info") or not server:
            continue
        row = servers.setdefault(server, _server(server, {}))
        if o.get("status") not in ("ok", "no_data"):
            # A server that did not answer is down; a refusal by policy says nothing of it.
            down = o.get("status") == "error"
            row.update(state="down" if down else "unknown", error=_text(o.get("message"), 300))
            row["state_tone"] = _STATE_TONE[row["state"]]
            continue
        data = outcome_data(o)
        row.update(state="up", state_tone="ok", version=_text(data.get("version"), 80))
        for d in _rows(data, "databases"):
            row["databases"].append(_database(d, backups.pop((server, str(d.get("name"))), None)))
    # Backups of databases no listing showed (one database asked about, or a server down).
    for (server, name), found in backups.items():
        row = servers.setdefault(server, _server(server, {}))
        row["databases"].append(_database({"name": name}, found))
    rows = list(servers.values())
    head = outcome_head(listed or (mine[0] if mine else {}))
    return {
        **head,
        "servers": rows,
        "total_servers": len(rows),
        "total_databases": sum(len(r["databases"]) for r in rows),
        "down": sum(1 for r in rows if r["state"] == "down"),
        "untrusted": any(bool(o.get("untrusted")) for o in mine),
    }


def hosts_panel(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """HostsPanel props from a `hosts.list` outcome."""
    rows = []
    for h in _rows(outcome_data(outcome), "hosts"):
        seen = h.get("last_seen_at")
        rows.append(
            {
                "name": str(h.get("name") or "?"),
                "login": f"{h.get('username')}@{h.get('address')}:{h.get('port')}",
                "key_type": _text(h.get("host_key_type"), 40),
                "fingerprint": _text(h.get("fingerprint"), 120),
                "last_seen": _text(seen, 64),
                "last_seen_text": f"seen {ago(seen)}" if seen else "not seen yet",
                "seen_tone": "ok" if seen else "neutral",
                "added_text": f"added {ago(h.get('created_at'))}",
            }
        )
    return {**outcome_head(outcome), "hosts": rows, "total": len(rows)}
