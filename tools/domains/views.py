"""What the domain tools answer: domains, their tasks with every step, events, outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from memory.domains import Domain, DomainFields, Event, Task
from tools.netcheck.health import HealthReport
from tools.registry import ToolResult


class DomainView(ToolResult, DomainFields):
    """A domain as the chat shows it."""


def domain_view(domain: Domain) -> DomainView:
    """A stored domain as the tools show it."""
    return DomainView.model_validate(domain.model_dump(include=set(DomainFields.model_fields)))


class StepView(ToolResult):
    """One workflow step: done or not, and what it recorded."""

    name: str
    done: bool
    at: str | None = None
    record: dict[str, Any] = Field(default_factory=dict)


class TaskView(ToolResult):
    """A provisioning, deprovisioning or renewal task and its steps."""

    id: int
    kind: str
    status: str
    current_step: str | None
    attempts: int
    steps: list[StepView]
    error: str | None
    summary: str | None = Field(default=None, description="A failure in one sentence.")
    created_at: datetime


def task_view(task: Task) -> TaskView:
    """A stored task and its steps as the tools show it."""
    steps = [
        StepView(name=name, done=bool(s.get("done")), at=s.get("at"), record=s.get("record") or {})
        for name, s in task.steps.items()
    ]
    return TaskView(
        id=task.id,
        kind=task.kind.value,
        status=task.status.value,
        current_step=task.current_step,
        attempts=task.attempts,
        steps=steps,
        error=task.error,
        summary=(task.result or {}).get("summary"),
        created_at=task.created_at,
    )


class DomainList(ToolResult):
    """The registered domains."""

    domains: list[DomainView]

    def is_empty(self) -> bool:
        """No domain registered (or none in the asked state)."""
        return not self.domains


class EventView(ToolResult):
    """One line of a domain's history."""

    at: datetime
    category: str
    level: str
    message: str
    task_id: int | None


def event_view(event: Event) -> EventView:
    """A stored event as the tools show it."""
    return EventView(
        at=event.created_at,
        category=event.category.value,
        level=event.level.value,
        message=event.message,
        task_id=event.task_id,
    )


class DomainStatusResult(ToolResult):
    """A domain, its recent tasks with their steps, and its recent events."""

    domain: DomainView
    tasks: list[TaskView]
    events: list[EventView]


class HealthResult(ToolResult):
    """A health report per domain checked."""

    reports: list[HealthReport]

    def is_empty(self) -> bool:
        """No domain to check."""
        return not self.reports


class TaskOutcome(ToolResult):
    """How a domain task ended, step by step."""

    fqdn: str
    task: TaskView
    succeeded: bool
    message: str


def outcome(fqdn: str, task: Task, verb: str) -> TaskOutcome:
    """How a finished task went, in one sentence for `verb` (e.g. "provisioning")."""
    ok = task.status.value == "succeeded"
    summary = (task.result or {}).get("summary")
    message = f"{verb} {fqdn}: done" if ok else (summary or task.error or f"{verb} {fqdn} failed")
    return TaskOutcome(fqdn=fqdn, task=task_view(task), succeeded=ok, message=message)
