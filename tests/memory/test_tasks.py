"""Task queries on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import NoResultFound

from memory import domains
from memory.db import Database
from memory.domain_models import EventCategory, TaskKind
from memory.tasks import last_task_event


async def test_last_task_event_is_the_newest_of_that_task(database: Database) -> None:
    domain = await domains.create_domain(
        database,
        domains.NewDomain.model_validate(
            {
                "fqdn": "n8n.example.com",
                "zone": "example.com",
                "target": "n8n:5678",
                "provider": "zoneedit",
                "records": {"A": ["203.0.113.7"]},
            }
        ),
    )
    task = await domains.create_task(database, domain.id, TaskKind.PROVISION)
    other = await domains.create_task(database, domain.id, TaskKind.RENEW_SSL)
    with pytest.raises(NoResultFound):
        await last_task_event(database, task.id)
    for message, task_id in (("first", task.id), ("second", task.id), ("elsewhere", other.id)):
        new = domains.NewEvent(category=EventCategory.WORKFLOW, message=message, task_id=task_id)
        await domains.add_event(database, domain.id, new)
    newest = await last_task_event(database, task.id)
    assert (newest.message, newest.task_id) == ("second", task.id)
    assert (await last_task_event(database, other.id)).message == "elsewhere"
