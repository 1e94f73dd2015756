"""The tool calls a settled database or hosts request makes."""

from __future__ import annotations

from typing import Any

from agent.router.types import Inventory, PlannedCall

MAX_LISTED = 12  # backups listed per request: one call per database


def calls_for(intent: str, opts: dict[str, Any], inv: Inventory) -> list[PlannedCall]:
    """The calls a settled database or hosts request makes, in order."""
    if intent == "hosts_list":
        return [PlannedCall(tool="hosts.list")]
    if intent == "db_create":
        return [
            PlannedCall(
                tool="db.create_database", args={"server": opts["server"], "name": opts["database"]}
            )
        ]
    if intent == "db_backup":
        return [
            PlannedCall(
                tool="db.backup", args={"server": opts["server"], "database": opts["database"]}
            )
        ]
    if intent == "db_restore":
        return [
            PlannedCall(
                tool="db.restore", args={"backup": opts["backup"], "database": opts["database"]}
            )
        ]
    if intent == "db_verify":
        return [PlannedCall(tool="db.verify_backup", args={"backup": opts["backup"]})]
    if intent == "db_backups" and "database" in opts:
        return [
            PlannedCall(
                tool="db.list_backups",
                args={"server": opts["server"], "database": opts["database"]},
            )
        ]
    named = opts.get("server")
    listed = [d for d in inv.databases if (named is None or d.server == named) and d.backups]
    backups = [
        PlannedCall(tool="db.list_backups", args={"server": d.server, "database": d.name})
        for d in listed[:MAX_LISTED]
    ]
    if intent == "db_backups":
        return backups
    calls = [PlannedCall(tool="db.list_servers")]
    for s in inv.db_servers:
        if named is None or s.name == named:
            tool = "db.server_info" if s.engine == "redis" else "db.list_databases"
            calls.append(PlannedCall(tool=tool, args={"server": s.name}))
    return calls + backups
