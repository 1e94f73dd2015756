"""The nightly off-site copy: the newest verified backup of each database, to Google Drive.

Runs only when a Google integration has a Drive folder. Each copy goes through the gate as the
background agent with one idempotency key per integration and backup, so a backup is sent
once however many nights it stays the newest; Drive's size and MD5 are checked by the tool.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from agent.runtime import Runtime
from core.errors import ChangeFailed
from memory import databases
from memory.databases import BackupView
from memory.db import Database
from memory.runs import RunView
from policies.engine import AUTONOMOUS
from policies.gate import CallContext, Gate
from tools.integrations.access import Integrations

KIND = "google"
TOOL = "google.upload_backup"
NAMED_IN_SUMMARY = 8

Status = Literal["copied", "already", "approval_required", "failed"]
STATUSES: tuple[Status, ...] = ("copied", "already", "approval_required", "failed")
# The gate's outcome -> what it means for the copy (any other outcome is a failure).
BY_OUTCOME: dict[str, Status] = {
    "ok": "copied",
    "no_data": "already",
    "approval_required": "approval_required",
}


class OffsiteCopy(BaseModel):
    """How one backup's copy fared."""

    integration: str
    server: str
    database: str
    backup: str
    status: Status
    message: str | None = None
    approval_id: str | None = None


async def newest_verified(db: Database) -> list[BackupView]:
    """Per database of every registered server, its newest backup that passed verification."""
    chosen: list[BackupView] = []
    for server in await databases.list_servers(db):
        seen: set[str] = set()
        for backup in await databases.list_backups(db, server.name, status="done"):
            if backup.database not in seen and backup.verify_status == "passed" and backup.path:
                seen.add(backup.database)
                chosen.append(backup)
    return chosen


async def copy_offsite(
    gate: Gate, db: Database, access: Integrations, run_id: str
) -> tuple[list[OffsiteCopy], list[str]]:
    """Copy each newest verified backup to every Google integration with a Drive folder.

    Returns the outcomes and the names of the integrations used (none: nothing configured).
    """
    targets = [v.name for v in await access.list(KIND) if v.options.get("drive_folder")]
    results: list[OffsiteCopy] = []
    if not targets:
        return results, targets
    for backup in await newest_verified(db):
        for name in targets:
            ctx = CallContext(
                actor=AUTONOMOUS,
                run_id=run_id,
                idempotency_key=f"offsite.{name}.{backup.id}",
                purpose=f"nightly off-site copy of {backup.server}/{backup.database} to Drive",
            )
            outcome = await gate.invoke(ctx, TOOL, {"backup": backup.id, "integration": name})
            status = BY_OUTCOME.get(outcome.status, "failed")
            results.append(
                OffsiteCopy(
                    integration=name,
                    server=backup.server,
                    database=backup.database,
                    backup=backup.id,
                    status=status,
                    message=outcome.message or outcome.reason,
                    approval_id=outcome.approval_id,
                )
            )
    return results, targets


def summarize(results: list[OffsiteCopy], targets: list[str]) -> tuple[str, bool]:
    """The step's message and whether anything failed."""
    if not targets:
        return "no Google integration with a Drive folder is configured", False
    if not results:
        return "no verified backup to copy", False
    count = {s: sum(1 for r in results if r.status == s) for s in STATUSES}
    text = (
        f"{count['copied']} backup(s) copied to Drive, {count['already']} already there, "
        f"{count['failed']} failed"
    )
    if count["approval_required"]:
        text += f", {count['approval_required']} waiting for approval"
    failed = [r for r in results if r.status == "failed"]
    if failed:
        named = "; ".join(
            f"{r.server}/{r.database}: {r.message}" for r in failed[:NAMED_IN_SUMMARY]
        )
        text += f" - {named}"
    return text, bool(failed)


async def offsite_copy(rt: Runtime, run: RunView, approvals: list[str]) -> str:
    """The maintenance step: copy off-site when configured; a failed copy fails the step."""
    results, targets = await copy_offsite(rt.gate, rt.db, rt.deps.integrations, run.id)
    approvals.extend(
        r.approval_id for r in results if r.approval_id and r.status == "approval_required"
    )
    text, failed = summarize(results, targets)
    if failed:
        raise ChangeFailed(text, {"copies": [r.model_dump() for r in results]})
    return text
