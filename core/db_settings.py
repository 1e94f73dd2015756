"""Settings of database work: backups (`Settings.backups`) and the servers Jarvis deploys
itself (`Settings.databases`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class DatabasesSettings(BaseModel):
    """Database servers Jarvis starts itself (`db.deploy_server`): images, where, how long."""

    model_config = ConfigDict(extra="forbid")

    postgresql_image: str = Field(default="postgres:16-alpine", min_length=1)
    mariadb_image: str = Field(default="mariadb:11", min_length=1)
    redis_image: str = Field(default="redis:7-alpine", min_length=1)
    publish_address: str = Field(
        default="127.0.0.1", description="Host address a deployed server's port is published on."
    )
    healthy_seconds: float = Field(
        default=120.0, gt=0, description="How long a new server has to report healthy."
    )
    health_interval_seconds: int = Field(
        default=10, ge=1, le=300, description="How often Docker runs a deployed server's check."
    )
    labels: dict[str, str] = Field(
        default_factory=dict, description="Extra labels on every deployed container and volume."
    )
    pull_images: bool = Field(
        default=True, description="Pull a missing image first (off: a missing image is an error)."
    )


class BackupSettings(BaseModel):
    """Database backups: where they go and how many are kept."""

    model_config = ConfigDict(extra="forbid")

    dir: Path | None = Field(
        default=None, description="Where backups go (default: <data dir>/backups)."
    )
    keep_daily: int = Field(default=7, ge=1, description="Newest backup of each of N days.")
    keep_weekly: int = Field(default=4, ge=0, description="Newest backup of each of M weeks.")
    timeout_seconds: float = Field(
        default=3600.0, gt=0, description="How long one dump or restore may take."
    )
