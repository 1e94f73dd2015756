"""The domains repository on SQLite and PostgreSQL: names, events, resumable tasks."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import BadInput, Conflict, NotFound
from memory import domains as repo
from memory.db import Database
from memory.domain_models import DomainStatus, EventCategory, EventLevel, TaskKind, TaskStatus


def new_domain(fqdn: str = "n8n.example.com", **kw: object) -> repo.NewDomain:
    data: dict[str, object] = {
        "fqdn": fqdn,
        "zone": "example.com",
        "target": "n8n:5678",
        "provider": "zoneedit",
        "records": {"a": ["203.0.113.7"]},
    }
    data.update(kw)
    return repo.NewDomain.model_validate(data)


async def test_create_get_list_and_update(database: Database) -> None:
    made = await repo.create_domain(database, new_domain("N8N.Example.COM."))
    assert made.fqdn == "n8n.example.com" and made.records == {"A": ["203.0.113.7"]}
    assert made.status is DomainStatus.PENDING and made.created_at.tzinfo is not None
    await repo.create_domain(database, new_domain("app.example.com", target="127.0.0.1:8080"))

    assert (await repo.get_domain(database, made.id)).fqdn == "n8n.example.com"
    assert (await repo.find_domain(database, "N8N.example.com")) == made
    assert await repo.find_domain(database, "nope.example.com") is None
    names = [d.fqdn for d in await repo.list_domains(database)]
    assert names == ["app.example.com", "n8n.example.com"]

    changed = await repo.update_domain(
        database,
        made.id,
        repo.DomainChanges(
            status=DomainStatus.ACTIVE,
            cert={"issuer": "Test CA", "not_after": "2027-01-01T00:00:00Z", "serial": "0a"},
        ),
    )
    assert changed.status is DomainStatus.ACTIVE and changed.cert is not None
    assert changed.target == "n8n:5678" and changed.updated_at >= made.updated_at
    active = await repo.list_domains(database, status=DomainStatus.ACTIVE)
    assert [d.id for d in active] == [made.id]


async def test_duplicate_name_is_a_conflict(database: Database) -> None:
    await repo.create_domain(database, new_domain())
    with pytest.raises(Conflict, match="already registered"):
        await repo.create_domain(database, new_domain("N8N.EXAMPLE.COM"))
    # The failed insert left the database usable.
    assert len(await repo.list_domains(database)) == 1


async def test_bad_input_and_missing_rows(database: Database) -> None:
    with pytest.raises(BadInput):
        new_domain("not a name")
    with pytest.raises(ValueError, match="extra"):
        repo.NewDomain.model_validate({**new_domain().model_dump(), "surprise": 1})
    with pytest.raises(BadInput, match="not inside the zone"):
        await repo.create_domain(database, new_domain("n8n.example.org"))
    with pytest.raises(NotFound):
        await repo.get_domain(database, 999)
    with pytest.raises(NotFound):
        await repo.add_event(database, 999, repo.NewEvent(category=EventCategory.DNS, message="x"))
    made = await repo.create_domain(database, new_domain())
    with pytest.raises(BadInput):
        await repo.update_domain(database, made.id, repo.DomainChanges(target=None))


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


async def test_step_done_with_its_record_and_resume_skips_it(database: Database) -> None:
    made = await repo.create_domain(database, new_domain())
    task = await repo.create_task(database, made.id, TaskKind.PROVISION)
    assert task.status is TaskStatus.PENDING and task.steps == {} and task.version == 1

    task = await repo.update_task(
        database,
        task.id,
        expected_version=task.version,
        status=TaskStatus.RUNNING,
        current_step="dns",
        new_attempt=True,
        heartbeat=True,
    )
    assert task.attempts == 1 and task.heartbeat_at is not None

    record = {"dns_created": True, "previous": ["198.51.100.1"]}
    task = await repo.complete_step(
        database,
        task.id,
        "dns",
        expected_version=task.version,
        record=record,
        next_step="caddy",
        event=repo.NewEvent(category=EventCategory.DNS, message="A record set"),
    )
    # A resumed run reads the task again and finds the step done, with what it did.
    resumed = await repo.get_task(database, task.id)
    assert resumed.step_done("dns") and not resumed.step_done("caddy")
    assert resumed.step_record("dns") == record and resumed.current_step == "caddy"
    events = await repo.list_events(database, made.id, task_id=task.id)
    assert [e.message for e in events] == ["A record set"]

    done = await repo.update_task(
        database,
        task.id,
        expected_version=resumed.version,
        status=TaskStatus.SUCCEEDED,
        result={"url": "https://n8n.example.com"},
    )
    assert done.status is TaskStatus.SUCCEEDED and done.result == {"url": "https://n8n.example.com"}
    assert [t.id for t in await repo.list_tasks(database, status=TaskStatus.SUCCEEDED)] == [task.id]
    assert [t.id for t in await repo.list_tasks(database, domain_id=made.id)] == [task.id]


async def test_stale_writer_loses(database: Database) -> None:
    made = await repo.create_domain(database, new_domain())
    task = await repo.create_task(database, made.id, TaskKind.RENEW_SSL)
    await repo.complete_step(database, task.id, "order", expected_version=task.version)
    with pytest.raises(Conflict, match="changed meanwhile"):
        await repo.complete_step(database, task.id, "order", expected_version=task.version)
    with pytest.raises(NotFound):
        await repo.update_task(database, 999, expected_version=1)


async def test_concurrent_advances_only_one_wins(database: Database) -> None:
    made = await repo.create_domain(database, new_domain())
    task = await repo.create_task(database, made.id, TaskKind.PROVISION)

    async def advance(name: str) -> str:
        try:
            await repo.complete_step(database, task.id, name, expected_version=task.version)
        except Conflict:
            return "lost"
        return "won"

    outcomes = await asyncio.gather(*(advance(f"step{i}") for i in range(4)))
    assert sorted(outcomes) == ["lost", "lost", "lost", "won"]
    final = await repo.get_task(database, task.id)
    assert final.version == 2 and len(final.steps) == 1
