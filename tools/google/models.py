"""Arguments and results of the google.* tools."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, field_validator, model_validator

from tools.registry import ToolArgs, ToolResult

ADDRESS_RE = re.compile(r"[^@\s<>,;\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
LONGEST_WINDOW = timedelta(days=366)


class IntegrationArg(ToolArgs):
    """Which Google integration (the only one when left out)."""

    integration: str | None = Field(default=None, description="The integration's name.")


class EventsArgs(IntegrationArg):
    """A calendar and a time window."""

    calendar: str | None = Field(
        default=None,
        max_length=200,
        description="Calendar id (default: the integration's calendar, else primary).",
    )
    start: datetime = Field(
        description="Window start (ISO 8601; without an offset: UTC).",
        examples=["2026-12-07T00:00:00Z"],
    )
    end: datetime = Field(description="Window end, after start.", examples=["2026-12-08T00:00:00Z"])
    limit: int = Field(default=100, ge=1, le=1000)

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    @model_validator(mode="after")
    def _window(self) -> EventsArgs:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.end - self.start > LONGEST_WINDOW:
            raise ValueError("the window may be at most a year long")
        return self


class Event(ToolResult):
    """One calendar event (an all-day event has dates, others times)."""

    id: str
    summary: str
    start: str
    end: str
    all_day: bool
    location: str | None = None
    status: str | None = None

    @classmethod
    def of(cls, item: dict[str, Any]) -> Event:
        """From a Calendar API event resource."""
        start, end = item.get("start") or {}, item.get("end") or {}
        return cls(
            id=str(item.get("id", "")),
            summary=str(item.get("summary") or "(no title)"),
            start=str(start.get("dateTime") or start.get("date") or ""),
            end=str(end.get("dateTime") or end.get("date") or ""),
            all_day="dateTime" not in start,
            location=item.get("location"),
            status=item.get("status"),
        )


class EventsResult(ToolResult):
    """Events in the window, by start time."""

    integration: str
    calendar: str
    events: list[Event]

    def is_empty(self) -> bool:
        """No event in the window."""
        return not self.events


class ReportArgs(IntegrationArg):
    """A plain-text report mail."""

    to: list[str] = Field(
        min_length=1,
        max_length=20,
        description="Recipient addresses.",
        examples=[["owner@example.net"]],
    )
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=100_000, description="Plain text.")

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        bad = [a for a in value if not ADDRESS_RE.fullmatch(a)]
        if bad:
            raise ValueError(f"not an e-mail address: {', '.join(repr(a) for a in bad)}")
        return value

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # A line break in a header would let the text add headers of its own.
        if "\n" in value or "\r" in value:
            raise ValueError("the subject must be one line")
        return value


class ReportResult(ToolResult):
    """The mail Gmail accepted."""

    integration: str
    id: str
    thread_id: str | None = None
    to: list[str]
    subject: str


class UploadArgs(IntegrationArg):
    """A database backup to copy to Drive."""

    backup: str = Field(min_length=8, max_length=64, description="The backup's id (or prefix).")


class UploadResult(ToolResult):
    """The copy in Drive, checked against the local file."""

    integration: str
    backup: str
    file_id: str
    name: str
    folder: str
    size_bytes: int
    md5: str
