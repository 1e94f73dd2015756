"""Counts for /metrics: read-only aggregates over approvals, runs and findings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from memory.db import Database
from memory.models import AgentRun, Approval, Finding


async def pending_approvals(db: Database, now: datetime) -> int:
    """Approvals still answerable at `now` (a pending row past its expiry is not counted)."""
    query = select(func.count()).where(Approval.status == "pending", Approval.expires_at > now)
    async with db.session() as session:
        return int((await session.execute(query)).scalar_one())


async def runs_by_kind_and_status(db: Database) -> list[tuple[str, str, int]]:
    """(kind, status, how many) over the runs still kept."""
    query = select(AgentRun.kind, AgentRun.status, func.count()).group_by(
        AgentRun.kind, AgentRun.status
    )
    async with db.session() as session:
        rows = (await session.execute(query)).all()
    return [(str(kind), str(status), int(n)) for kind, status, n in rows]


async def open_findings_by_check(db: Database) -> dict[str, int]:
    """How many findings are open, per check."""
    query = (
        select(Finding.check, func.count()).where(Finding.status == "open").group_by(Finding.check)
    )
    async with db.session() as session:
        rows = (await session.execute(query)).all()
    return {str(check): int(n) for check, n in rows}
