"""Repository of agent runs: queued -> running -> succeeded|failed, claimed by one worker."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select, update

from core.errors import NotFound
from memory.db import Database
from memory.models import AgentRun, utcnow

RunStatus = Literal["queued", "running", "succeeded", "failed"]
Trigger = Literal["schedule", "manual", "event"]
FINISHED = ("succeeded", "failed")


class RunView(BaseModel):
    """The public shape of a run."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    trigger: Trigger
    actor: str
    status: str
    parent_id: str | None = None
    queued_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    worker: str | None = None
    attempts: int = 0
    summary: str | None = None
    options: dict[str, Any] = {}
    findings: list[Any] = []
    actions: list[Any] = []
    approvals: list[Any] = []
    error: str | None = None

    @property
    def seconds(self) -> float | None:
        """How long the run took, once it finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def _view(row: AgentRun) -> RunView:
    view = RunView.model_validate(row)
    # Rows written before these columns existed hold NULLs.
    view.options = row.options or {}
    view.findings = row.findings or []
    view.actions = row.actions or []
    view.approvals = row.approvals or []
    return view


async def create_run(
    db: Database,
    *,
    kind: str,
    trigger: Trigger,
    actor: str,
    options: dict[str, Any] | None = None,
    parent_id: str | None = None,
    run_id: str | None = None,
    now: datetime | None = None,
) -> RunView:
    """Record a queued run."""
    row = AgentRun(
        id=run_id or str(uuid.uuid4()),
        kind=kind,
        trigger=trigger,
        actor=actor,
        status="queued",
        parent_id=parent_id,
        queued_at=now or utcnow(),
        started_at=None,
        attempts=0,
        options=options or {},
        findings=[],
        actions=[],
        approvals=[],
    )
    async with db.session() as session:
        session.add(row)
        await session.flush()
        return _view(row)


async def claim_run(
    db: Database, run_id: str, *, worker: str, stale_before: datetime | None = None
) -> RunView | None:
    """Move a queued run (or a running one silent since `stale_before`) to running for
    `worker`; None when another worker has it or it is finished."""
    now = utcnow()
    takeable = AgentRun.status == "queued"
    if stale_before is not None:
        takeable = takeable | (
            (AgentRun.status == "running") & (AgentRun.heartbeat_at < stale_before)
        )
    async with db.session() as session:
        current = await session.get(AgentRun, run_id)
        if current is None:
            raise NotFound(f"no run {run_id!r}")
        changed = await session.execute(
            update(AgentRun)
            .where(AgentRun.id == run_id, takeable, AgentRun.attempts == current.attempts)
            .values(
                status="running",
                worker=worker,
                heartbeat_at=now,
                started_at=current.started_at or now,
                attempts=current.attempts + 1,
            )
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            return None
        await session.refresh(current)
        return _view(current)


async def heartbeat(db: Database, run_id: str, worker: str) -> bool:
    """Tell others the run is alive; False if another worker took it over."""
    async with db.session() as session:
        changed = await session.execute(
            update(AgentRun)
            .where(AgentRun.id == run_id, AgentRun.worker == worker, AgentRun.status == "running")
            .values(heartbeat_at=utcnow())
        )
    return bool(changed.rowcount)  # type: ignore[attr-defined]


async def record_progress(
    db: Database,
    run_id: str,
    *,
    findings: list[Any] | None = None,
    actions: list[Any] | None = None,
    approvals: list[Any] | None = None,
) -> None:
    """Store what the run found and did so far (kept if the process dies)."""
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if findings is not None:
        values["findings"] = findings
    if actions is not None:
        values["actions"] = actions
    if approvals is not None:
        values["approvals"] = approvals
    async with db.session() as session:
        await session.execute(update(AgentRun).where(AgentRun.id == run_id).values(**values))


async def finish_run(
    db: Database,
    run_id: str,
    *,
    status: Literal["succeeded", "failed"],
    summary: str,
    error: str | None = None,
) -> RunView:
    """Close a run with its outcome."""
    async with db.session() as session:
        row = await session.get(AgentRun, run_id)
        if row is None:
            raise NotFound(f"no run {run_id!r}")
        row.status = status
        row.summary = summary
        row.error = error
        row.finished_at = utcnow()
        row.started_at = row.started_at or row.finished_at
        await session.flush()
        return _view(row)


async def get_run(db: Database, run_id: str) -> RunView:
    """One run (NotFound if there is none with this id)."""
    async with db.session() as session:
        row = await session.get(AgentRun, run_id)
        if row is None:
            raise NotFound(f"no run {run_id!r}; `jarvis runs list` shows the runs")
        return _view(row)


async def list_runs(
    db: Database,
    *,
    limit: int = 50,
    kind: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    top_level: bool = False,
) -> list[RunView]:
    """Runs, newest first."""
    query = select(AgentRun)
    if kind is not None:
        query = query.where(AgentRun.kind == kind)
    if status is not None:
        query = query.where(AgentRun.status == status)
    if since is not None:
        query = query.where(AgentRun.queued_at >= since)
    if top_level:
        query = query.where(AgentRun.parent_id.is_(None))
    query = query.order_by(AgentRun.queued_at.desc(), AgentRun.id).limit(limit)
    async with db.session() as session:
        return [_view(r) for r in (await session.scalars(query)).all()]


async def unfinished_runs(db: Database) -> list[RunView]:
    """Runs queued or running, oldest first (to take up again after a crash)."""
    query = (
        select(AgentRun)
        .where(AgentRun.status.in_(("queued", "running")))
        .order_by(AgentRun.queued_at)
    )
    async with db.session() as session:
        return [_view(r) for r in (await session.scalars(query)).all()]


async def trim_runs(db: Database, before: datetime) -> int:
    """Delete finished runs older than `before`; returns how many."""
    async with db.session() as session:
        result = await session.execute(
            delete(AgentRun).where(AgentRun.status.in_(FINISHED), AgentRun.queued_at < before)
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
