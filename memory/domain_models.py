"""Tables of the domains feature: domains, their event log, workflow tasks, DNS update marks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from memory.models import Base, utcnow


class DomainStatus(StrEnum):
    """Where a domain is in its life."""

    PENDING = "pending"
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    FAILED = "failed"
    DEPROVISIONING = "deprovisioning"
    REMOVED = "removed"


class EventCategory(StrEnum):
    """Which part of the domain's machinery an event comes from."""

    DNS = "dns"
    PROPAGATION = "propagation"
    CADDY = "caddy"
    CERT = "cert"
    HEALTH = "health"
    WORKFLOW = "workflow"
    IMPORT = "import"


class EventLevel(StrEnum):
    """How much an event matters to the person reading the log."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class TaskKind(StrEnum):
    """What a domain task does."""

    PROVISION = "provision"
    DEPROVISION = "deprovision"
    RENEW_SSL = "renew_ssl"


class TaskStatus(StrEnum):
    """Where a domain task is."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


class DomainRecord(Base):
    """A name Jarvis publishes: its DNS records, its upstream behind Caddy, cert and health."""

    __tablename__ = "domains"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fqdn: Mapped[str] = mapped_column(String(253), unique=True)
    zone: Mapped[str] = mapped_column(String(253))
    target: Mapped[str] = mapped_column(String(500))
    provider: Mapped[str] = mapped_column(String(100))
    # {record type: [values]}, e.g. {"A": ["203.0.113.7"]}.
    records: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=DomainStatus.PENDING.value)
    cert: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    health: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    checked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_domains_status", "status"),)


class DomainTask(Base):
    """One provision / deprovision / renewal run, resumable step by step."""

    __tablename__ = "domain_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.PENDING.value)
    current_step: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # {step name: {"done": bool, "record": {...side effects, for rollback...}, "at": iso time}}.
    steps: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    # Bumped on every write: a writer holding an old version loses instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_domain_tasks_domain", "domain_id"),
        Index("ix_domain_tasks_status", "status"),
    )


class DomainEvent(Base):
    """One line of a domain's history, optionally tied to the task that wrote it."""

    __tablename__ = "domain_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("domain_tasks.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_domain_events_domain", "domain_id", "id"),)


class DnsUpdateMark(Base):
    """When a provider last accepted an update for a host (for per-host rate limits)."""

    __tablename__ = "dns_update_marks"

    provider: Mapped[str] = mapped_column(String(100), primary_key=True)
    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    updated_at: Mapped[datetime]
