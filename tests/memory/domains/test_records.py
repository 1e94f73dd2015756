"""Domain records on SQLite and PostgreSQL: register, read, change, delete."""

from __future__ import annotations

import pytest

from core.errors import BadInput, Conflict, NotFound
from memory import domains as repo
from memory.db import Database
from memory.domain_models import DomainStatus, EventCategory, TaskKind
from tests.memory.domains.conftest import new_domain


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


async def test_delete_only_in_the_given_statuses(database: Database) -> None:
    made = await repo.create_domain(database, new_domain())
    task = await repo.create_task(database, made.id, TaskKind.PROVISION)
    await repo.add_event(database, made.id, repo.NewEvent(category=EventCategory.DNS, message="x"))
    await repo.update_domain(database, made.id, repo.DomainChanges(status=DomainStatus.ACTIVE))
    with pytest.raises(Conflict, match=r"n8n\.example\.com is active") as refused:
        await repo.delete_domain(database, made.id, statuses={DomainStatus.PENDING})
    assert refused.value.details == {"status": "active"}
    assert (await repo.get_domain(database, made.id)).status is DomainStatus.ACTIVE

    await repo.delete_domain(database, made.id, statuses={DomainStatus.ACTIVE})
    with pytest.raises(NotFound):
        await repo.get_domain(database, made.id)
    with pytest.raises(NotFound):
        await repo.get_task(database, task.id)
    assert await repo.list_events(database, made.id) == []
    with pytest.raises(NotFound):
        await repo.delete_domain(database, made.id, statuses={DomainStatus.ACTIVE})


def test_every_view_lists_the_fields_in_one_order() -> None:
    own = ["fqdn", "zone", "target", "provider", "records", "status", "cert", "health"]
    assert list(repo.DomainFields.model_fields) == [*own, "checked_at"]
    assert list(repo.Domain.model_fields) == ["id", *own, "checked_at", "created_at", "updated_at"]
