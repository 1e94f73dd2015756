"""What one chat turn produced, for the CLI, the web chat and the evals alike."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from policies.outcome import ApprovalView

CallStatus = Literal["ok", "error", "no_data", "approval_required", "denied", "planned"]


class ToolCallRecord(BaseModel):
    """One tool call the turn made (or, with --plan, would make)."""

    name: str
    args: dict[str, Any]
    status: CallStatus
    message: str | None = None
    approval_id: str | None = None
    data: dict[str, Any] | None = Field(default=None, exclude=True)


class TurnResult(BaseModel):
    """The reply, the calls behind it and any approvals it is waiting for."""

    reply: str
    thread_id: str
    tool_calls: list[ToolCallRecord] = []
    approvals: list[ApprovalView] = []
    waiting: bool = False
