"""SQLAlchemy 2 models; the schema itself comes from the Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite returns naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base for every Jarvis table."""

    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime}


class Approval(Base):
    """A durable request for a human decision on one gated tool call."""

    __tablename__ = "approvals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    tool: Mapped[str] = mapped_column(String(200))
    args: Mapped[dict[str, Any]]
    risk: Mapped[str] = mapped_column(String(20))
    resource: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    diff: Mapped[str | None] = mapped_column(Text)
    # Why it was proposed, when a background run proposed it (the finding and the repair).
    purpose: Mapped[str | None] = mapped_column(Text)
    thread_id: Mapped[str | None] = mapped_column(String(200))
    run_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_approvals_status", "status"),)


class Execution(Base):
    """One run of a tool's side effect; the idempotency key makes repeats no-ops."""

    __tablename__ = "executions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    tool: Mapped[str] = mapped_column(String(200))
    resource: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    approval_id: Mapped[str | None] = mapped_column(ForeignKey("approvals.id"))
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_executions_started", "started_at"),)


class AuditEntry(Base):
    """One append-only audit record, chained to the previous one by its hash."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(50))
    tool: Mapped[str | None] = mapped_column(String(200))
    resource: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row holding the chain's last sequence number and hash."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC of (seq, hash): the head cannot be rewound to an earlier entry without the key.
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AgentRun(Base):
    """A background pass, manual run or repair: queued -> running -> succeeded|failed."""

    __tablename__ = "agent_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    thread_id: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    parent_id: Mapped[str | None] = mapped_column(String(36))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime | None]
    worker: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    actions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    approvals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_agent_runs_status", "status"),
        Index("ix_agent_runs_queued", "queued_at"),
    )


class Finding(Base):
    """A problem a check found on one resource; one row per episode, counted while it lasts."""

    __tablename__ = "findings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    check: Mapped[str] = mapped_column(String(100))
    resource: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]]
    remedy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="open")
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    run_id: Mapped[str | None] = mapped_column(String(36))
    # The repair in flight: its idempotency key is written before the gate is called, so a
    # run killed mid-way calls again with the same key and the gate never repeats the change.
    repair_attempt: Mapped[int] = mapped_column(Integer, default=0)
    repair_key: Mapped[str | None] = mapped_column(String(200))
    repair_status: Mapped[str | None] = mapped_column(String(30))
    approval_id: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (
        Index("ix_findings_status", "status"),
        Index("ix_findings_check_resource", "check", "resource"),
        # One open finding per (check, resource): a persisting problem is counted, not repeated.
        Index(
            "uq_findings_open",
            "check",
            "resource",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )


class VaultSecret(Base):
    """A secret seen in tool output, encrypted, found again by its placeholder."""

    __tablename__ = "vault_secrets"

    placeholder: Mapped[str] = mapped_column(String(40), primary_key=True)
    ciphertext: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
