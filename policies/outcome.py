"""What every gated call returns, whoever made it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

Status = Literal["ok", "error", "no_data", "approval_required", "denied"]
# The reason of an error outcome for a change that cannot work yet (nothing was asked or run).
NOT_READY = "not ready"


class Invocation(BaseModel):
    """What was asked: the tool, its (redacted) arguments, who asked, what it touches."""

    tool: str
    args: dict[str, Any]
    actor: str
    resource: str


class ToolOutcome(BaseModel):
    """The result of one call through the gate."""

    status: Status
    invocation: Invocation
    data: dict[str, Any] | None = None
    message: str | None = None
    approval_id: str | None = None
    rule: str | None = None
    reason: str | None = None
    untrusted: bool = False
    replayed: bool = False


class ApprovalView(BaseModel):
    """An approval as people and programs see it."""

    id: str
    tool: str
    args: dict[str, Any]
    risk: str
    resource: str
    actor: str
    rule: str | None
    reason: str
    diff: str | None
    purpose: str | None = None
    # The tool's declared headline for these args, when it declares one (wording.plain_words).
    headline: str | None = None
    status: Literal["pending", "approved", "rejected", "expired", "executed", "failed"]
    created_at: datetime
    expires_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    finished_at: datetime | None
    thread_id: str | None
    run_id: str | None
    result: dict[str, Any] | None = None
    message: str | None = None
