"""What the domain tools answer: a stored domain, task and event as the chat receives them."""

from __future__ import annotations

from datetime import UTC, datetime

from memory.domain_models import DomainStatus, EventCategory, EventLevel, TaskKind, TaskStatus
from memory.domains import Domain, Event, Task
from tools.domains.views import domain_view, event_view, outcome, task_view

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_domain_without_its_id_and_timestamps() -> None:
    domain = Domain(
        id=7,
        fqdn="app.example.com",
        zone="example.com",
        target="app:80",
        provider="zoneedit",
        records={"A": ["203.0.113.7"]},
        status=DomainStatus.ACTIVE,
        cert=None,
        health={"classification": "healthy"},
        checked_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    view = domain_view(domain)
    assert list(view.model_dump()) == [
        "fqdn", "zone", "target", "provider", "records", "status", "cert", "health", "checked_at"
    ]  # fmt: skip
    assert view.model_dump() == domain.model_dump(exclude={"id", "created_at", "updated_at"})


def test_a_task_with_its_steps_and_how_it_ended() -> None:
    task = Task(
        id=3,
        domain_id=7,
        kind=TaskKind.PROVISION,
        status=TaskStatus.FAILED,
        current_step="dns",
        attempts=1,
        steps={"detect_ip": {"done": True, "at": NOW.isoformat(), "record": {"ip": "1.2.3.4"}}},
        result=None,
        error="the DNS provider refused",
        version=4,
        created_at=NOW,
        updated_at=NOW,
        heartbeat_at=None,
    )
    view = task_view(task)
    assert view.kind == "provision" and view.status == "failed"
    assert [(s.name, s.done, s.record) for s in view.steps] == [
        ("detect_ip", True, {"ip": "1.2.3.4"})
    ]
    ended = outcome("app.example.com", task, "provisioning")
    assert not ended.succeeded and ended.message == "the DNS provider refused"
    done = outcome("app.example.com", task.model_copy(update={"status": TaskStatus.SUCCEEDED}), "x")
    assert done.succeeded and done.message == "x app.example.com: done"


def test_an_event_as_a_line_of_history() -> None:
    event = Event(
        id=1,
        domain_id=7,
        task_id=None,
        category=EventCategory.HEALTH,
        level=EventLevel.WARNING,
        message="health: degraded",
        data=None,
        created_at=NOW,
    )
    line = event_view(event)
    assert (line.at, line.category, line.level, line.message) == (
        NOW,
        "health",
        "warning",
        "health: degraded",
    )
