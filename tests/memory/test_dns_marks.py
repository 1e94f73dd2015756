"""DNS update marks on SQLite and PostgreSQL: one claim per interval, even when racing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from memory import dns_marks
from memory.db import Database
from memory.models import utcnow


async def test_claim_takes_a_free_slot_and_reports_a_held_one(database: Database) -> None:
    now = utcnow()
    assert await dns_marks.get_mark(database, "zoneedit", "a.example.com") is None
    cutoff = now - timedelta(seconds=600)
    first = await dns_marks.claim_mark(database, "zoneedit", "a.example.com", now, cutoff)
    assert first.taken
    assert await dns_marks.get_mark(database, "zoneedit", "a.example.com") == now

    later = now + timedelta(seconds=10)
    held = await dns_marks.claim_mark(
        database, "zoneedit", "a.example.com", later, later - timedelta(seconds=600)
    )
    assert not held.taken and held.last == now

    free_again = now + timedelta(seconds=601)
    again = await dns_marks.claim_mark(
        database, "zoneedit", "a.example.com", free_again, free_again - timedelta(seconds=600)
    )
    assert again.taken
    assert await dns_marks.get_mark(database, "zoneedit", "a.example.com") == free_again
    # Marks are per provider and host.
    assert await dns_marks.get_mark(database, "other", "a.example.com") is None


async def test_racing_claims_for_a_new_host_take_one_slot(database: Database) -> None:
    now = utcnow()
    cutoff = now - timedelta(seconds=600)
    claims = await asyncio.gather(
        *(
            dns_marks.claim_mark(database, "zoneedit", "b.example.com", now, cutoff)
            for _ in range(5)
        )
    )
    assert sum(c.taken for c in claims) == 1
    assert all(c.last == now for c in claims if not c.taken)


async def test_put_sets_moves_and_forgets_a_mark(database: Database) -> None:
    now = utcnow()
    await dns_marks.put_mark(database, "zoneedit", "c.example.com", now)
    assert await dns_marks.get_mark(database, "zoneedit", "c.example.com") == now
    earlier = now - timedelta(hours=1)
    await dns_marks.put_mark(database, "zoneedit", "c.example.com", earlier)
    assert await dns_marks.get_mark(database, "zoneedit", "c.example.com") == earlier
    await dns_marks.put_mark(database, "zoneedit", "c.example.com", None)
    assert await dns_marks.get_mark(database, "zoneedit", "c.example.com") is None
    await dns_marks.put_mark(database, "zoneedit", "c.example.com", None)  # already gone
