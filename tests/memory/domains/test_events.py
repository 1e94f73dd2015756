"""A domain's history on SQLite and PostgreSQL: events in order, filtered."""

from __future__ import annotations

from memory import domains as repo
from memory.db import Database
from memory.domain_models import EventCategory, EventLevel, TaskKind
from tests.memory.domains.conftest import new_domain


async def test_events_in_order_and_filtered(database: Database) -> None:
    made = await repo.create_domain(database, new_domain())
    task = await repo.create_task(database, made.id, TaskKind.PROVISION)
    await repo.add_event(
        database, made.id, repo.NewEvent(category=EventCategory.DNS, message="A record set")
    )
    await repo.add_event(
        database,
        made.id,
        repo.NewEvent(
            category=EventCategory.CERT,
            level=EventLevel.WARNING,
            message="certificate expires soon",
            data={"days": 5},
            task_id=task.id,
        ),
    )
    events = await repo.list_events(database, made.id)
    assert [e.message for e in events] == ["A record set", "certificate expires soon"]
    assert events[1].level is EventLevel.WARNING and events[1].data == {"days": 5}
    certs = await repo.list_events(database, made.id, category=EventCategory.CERT)
    assert [e.task_id for e in certs] == [task.id]
    assert await repo.list_events(database, made.id, task_id=task.id) == certs
