"""Settings of compose stacks (`Settings.stacks`): how long deploys wait and how git is asked."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


def default_stacks_root() -> Path:
    """Where the owner keeps the stacks' git checkouts: ~/contain."""
    return Path.home() / "contain"


class StacksSettings(BaseModel):
    """Deploys of compose stacks: health waits, grace period, git time limits."""

    model_config = ConfigDict(extra="forbid")

    healthy_seconds: float = Field(
        default=180.0, gt=0, description="How long every service of a deploy has to turn healthy."
    )
    grace_seconds: float = Field(
        default=10.0,
        ge=0,
        description="A service without a health check counts as healthy once it has run this "
        "long without restarting.",
    )
    poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How often a deploy looks at its services' health."
    )
    fetch_seconds: float = Field(
        default=20.0, gt=0, description="How long one `git fetch` of a stack may take."
    )
    compose_seconds: float = Field(
        default=300.0, gt=0, description="How long one `compose up` or `down` may take."
    )
    log_lines: int = Field(
        default=20, ge=1, le=500, description="A failing service's log lines a rollback reports."
    )
