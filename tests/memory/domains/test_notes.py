"""A domain's notes on SQLite and PostgreSQL: the newest note event holds them."""

from __future__ import annotations

import pytest

from core.errors import BadInput
from memory import domains as repo
from memory.db import Database
from memory.domain_models import EventCategory
from tests.memory.domains.conftest import new_domain


async def test_the_newest_note_wins_and_empty_removes_them(database: Database) -> None:
    first = await repo.create_domain(database, new_domain())
    second = await repo.create_domain(database, new_domain("app.example.com"))
    assert await repo.notes_of(database) == {}

    await repo.set_notes(database, first.id, "  living room ")
    await repo.set_notes(database, second.id, "office")
    await repo.set_notes(database, second.id, "attic")
    # Other events, even with data, leave the notes alone.
    await repo.add_event(
        database,
        first.id,
        repo.NewEvent(category=EventCategory.DNS, message="x", data={repo.NOTES_KEY: "no"}),
    )
    assert await repo.notes_of(database) == {first.id: "living room", second.id: "attic"}
    assert await repo.notes_of(database, [second.id]) == {second.id: "attic"}

    await repo.set_notes(database, first.id, "")
    assert await repo.notes_of(database) == {second.id: "attic"}
    messages = [e.message for e in await repo.list_events(database, first.id)]
    assert messages == ["notes changed", "x", "notes removed"]


async def test_notes_have_a_maximum_length(database: Database) -> None:
    made = await repo.create_domain(database, new_domain())
    with pytest.raises(BadInput, match="at most"):
        await repo.set_notes(database, made.id, "x" * (repo.NOTES_MAX + 1))
    assert await repo.list_events(database, made.id) == []
