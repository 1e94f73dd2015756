"""Registering imported domains on SQLite and PostgreSQL: all of them, or none."""

from __future__ import annotations

import pytest

from core.errors import Conflict
from memory import domains as repo
from memory.db import Database
from memory.domain_models import DomainStatus, EventCategory
from tests.memory.domains.conftest import new_domain


def imported(fqdn: str, notes: str | None = None) -> repo.ImportedDomain:
    return repo.ImportedDomain(
        fqdn=fqdn, zone="example.com", target="app:80", provider="zoneedit", notes=notes
    )


async def test_each_domain_gets_an_import_event_with_its_notes(database: Database) -> None:
    await repo.register_imported(
        database, [imported("a.example.com", "shed"), imported("b.example.com")], source="x.csv"
    )
    names = {d.fqdn: d for d in await repo.list_domains(database)}
    assert sorted(names) == ["a.example.com", "b.example.com"]
    assert {d.status for d in names.values()} == {DomainStatus.PENDING}
    first = await repo.list_events(database, names["a.example.com"].id)
    assert [(e.category, e.message, e.data) for e in first] == [
        (EventCategory.IMPORT, "imported from x.csv", {"notes": "shed"})
    ]
    assert [e.data for e in await repo.list_events(database, names["b.example.com"].id)] == [None]
    assert await repo.notes_of(database) == {names["a.example.com"].id: "shed"}


async def test_one_name_taken_means_nothing_is_written(database: Database) -> None:
    await repo.create_domain(database, new_domain("b.example.com"))
    with pytest.raises(Conflict, match="registered meanwhile"):
        await repo.register_imported(
            database, [imported("a.example.com"), imported("b.example.com")], source="x.csv"
        )
    assert [d.fqdn for d in await repo.list_domains(database)] == ["b.example.com"]
