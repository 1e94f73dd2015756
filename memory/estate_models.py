"""Tables of the rest of the estate: database servers, their backups, other hosts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from memory.models import Base, utcnow


class DbServer(Base):
    """A registered database server (PostgreSQL, MariaDB/MySQL or Redis)."""

    __tablename__ = "db_servers"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    engine: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(255))
    # A vault placeholder, never the password itself.
    password_ref: Mapped[str | None] = mapped_column(String(100))
    # Engine options (e.g. the maintenance database, sslmode); never secrets.
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The container Jarvis deployed for it, when it did (`db.deploy_server`).
    container: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DbBackup(Base):
    """One backup of one database: where it is, its checksum, and what it held."""

    __tablename__ = "db_backups"
    __table_args__ = (Index("ix_db_backups_target", "server", "database", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    server: Mapped[str] = mapped_column(String(63))
    database: Mapped[str] = mapped_column(String(63))
    engine: Mapped[str] = mapped_column(String(20))
    # manual | scheduled | safety (taken before a restore)
    kind: Mapped[str] = mapped_column(String(20), default="manual")
    # running | done | failed
    status: Mapped[str] = mapped_column(String(20), default="running")
    path: Mapped[str | None] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    # Rows per table at backup time: what a verification must find again.
    tables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    # passed | failed, with the table/row figures the check found
    verify_status: Mapped[str | None] = mapped_column(String(20))
    verified_at: Mapped[datetime | None] = mapped_column()
    verify_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Host(Base):
    """Another machine Jarvis reaches over SSH, with its pinned host key."""

    __tablename__ = "hosts"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    username: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=22)
    key_path: Mapped[str] = mapped_column(Text)
    # The pinned key: its type (ssh-ed25519, ...), base64 body and SHA256 fingerprint.
    host_key_type: Mapped[str] = mapped_column(String(50))
    host_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column()


class Integration(Base):
    """A service Jarvis talks to (Home Assistant, Plex, n8n, Sunshine, Google)."""

    __tablename__ = "integrations"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    url: Mapped[str] = mapped_column(Text)
    # Credential field -> vault placeholder (token, password, refresh token ...); never values.
    secret_refs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Non-secret settings (user name, pinned certificate fingerprint, calendar id ...).
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    tested_at: Mapped[datetime | None] = mapped_column()
    # The last test's outcome: None (never), "ok" or the reason it failed.
    test_result: Mapped[str | None] = mapped_column(Text)
