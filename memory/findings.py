"""Repository of findings: one open row per (check, resource), counted while it persists."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select, update

from core.errors import NotFound
from memory.db import Database
from memory.models import Finding, utcnow

Severity = Literal["info", "warning", "critical"]
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


class Remedy(BaseModel):
    """The repair a check proposes: one gated tool call, and why."""

    model_config = ConfigDict(extra="forbid")

    tool: str
    args: dict[str, Any]
    why: str


class Observation(BaseModel):
    """What one check saw wrong with one resource in one pass."""

    model_config = ConfigDict(extra="forbid")

    check: str
    resource: str = Field(description="What is affected, e.g. container:plex, domain:a.b.")
    severity: Severity
    summary: str
    evidence: dict[str, Any] = {}
    remedy: Remedy | None = None


class FindingView(BaseModel):
    """The public shape of a finding."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    check: str
    resource: str
    severity: str
    summary: str
    evidence: dict[str, Any]
    remedy: Remedy | None
    status: str
    count: int
    first_seen: datetime
    last_seen: datetime
    closed_at: datetime | None
    run_id: str | None
    repair_attempt: int
    repair_key: str | None
    repair_status: str | None
    approval_id: str | None


class SyncResult(BaseModel):
    """What one check's pass changed in the findings table."""

    opened: list[FindingView] = []
    persisting: list[FindingView] = []
    closed: list[FindingView] = []

    @property
    def open(self) -> list[FindingView]:
        """Findings open after the pass."""
        return [*self.opened, *self.persisting]


def _view(row: Finding) -> FindingView:
    return FindingView.model_validate(row)


async def sync_check(
    db: Database,
    check: str,
    observations: list[Observation],
    *,
    run_id: str | None,
    now: datetime | None = None,
    scope: set[str] | None = None,
) -> SyncResult:
    """Record one check's observations: new ones open, repeats count up, and open findings
    of this check that were not seen again close (only those in `scope`, if given)."""
    now = now or utcnow()
    result = SyncResult()
    seen = {o.resource: o for o in observations if o.check == check}
    async with db.session() as session:
        open_rows = list(
            (
                await session.scalars(
                    select(Finding).where(Finding.check == check, Finding.status == "open")
                )
            ).all()
        )
        by_resource = {r.resource: r for r in open_rows}
        for resource, obs in seen.items():
            row = by_resource.get(resource)
            remedy = obs.remedy.model_dump() if obs.remedy else None
            if row is None:
                row = Finding(
                    id=str(uuid.uuid4()),
                    check=check,
                    resource=resource,
                    severity=obs.severity,
                    summary=obs.summary,
                    evidence=obs.evidence,
                    remedy=remedy,
                    status="open",
                    count=1,
                    first_seen=now,
                    last_seen=now,
                    run_id=run_id,
                    repair_attempt=0,
                )
                session.add(row)
                await session.flush()
                result.opened.append(_view(row))
            else:
                row.count += 1
                row.last_seen = now
                row.severity, row.summary = obs.severity, obs.summary
                row.evidence, row.remedy, row.run_id = obs.evidence, remedy, run_id
                await session.flush()
                result.persisting.append(_view(row))
        for row in open_rows:
            if row.resource in seen or (scope is not None and row.resource not in scope):
                continue
            row.status = "closed"
            row.closed_at = now
            await session.flush()
            result.closed.append(_view(row))
    return result


async def get_finding(db: Database, finding_id: str) -> FindingView:
    """One finding (NotFound if there is none)."""
    async with db.session() as session:
        row = await session.get(Finding, finding_id)
        if row is None:
            raise NotFound(f"no finding {finding_id!r}")
        return _view(row)


async def list_findings(
    db: Database,
    *,
    status: Literal["open", "closed"] | None = "open",
    since: datetime | None = None,
    limit: int = 200,
) -> list[FindingView]:
    """Findings, most severe and newest first."""
    query = select(Finding)
    if status is not None:
        query = query.where(Finding.status == status)
    if since is not None:
        query = query.where(Finding.last_seen >= since)
    query = query.order_by(Finding.last_seen.desc()).limit(limit)
    async with db.session() as session:
        rows = [_view(r) for r in (await session.scalars(query)).all()]
    return sorted(rows, key=lambda f: -SEVERITY_RANK.get(f.severity, 0))


async def begin_repair(db: Database, finding_id: str, key: str, attempt: int) -> None:
    """Write the repair's idempotency key before the gate is called."""
    async with db.session() as session:
        await session.execute(
            update(Finding)
            .where(Finding.id == finding_id)
            .values(repair_key=key, repair_attempt=attempt, repair_status="started")
        )


async def end_repair(
    db: Database, finding_id: str, *, status: str, approval_id: str | None = None
) -> None:
    """Record how the repair ended (ok, failed, approval_required, denied ...)."""
    values: dict[str, Any] = {"repair_status": status}
    if approval_id is not None:
        values["approval_id"] = approval_id
    async with db.session() as session:
        await session.execute(update(Finding).where(Finding.id == finding_id).values(**values))


async def trim_findings(db: Database, before: datetime) -> int:
    """Delete findings closed before `before`; returns how many."""
    async with db.session() as session:
        result = await session.execute(
            delete(Finding).where(Finding.status == "closed", Finding.closed_at < before)
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
