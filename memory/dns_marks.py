"""Repository of DNS update marks: when each host was last updated through a provider."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from memory.db import Database
from memory.domain_models import DnsUpdateMark


class Claim(NamedTuple):
    """The outcome of a claim: taken, or the mark that still holds the host's slot."""

    taken: bool
    last: datetime | None = None


async def get_mark(db: Database, provider: str, host: str) -> datetime | None:
    """When `host` was last updated through `provider`, or None."""
    async with db.session() as session:
        row = await session.get(DnsUpdateMark, (provider, host))
        return row.updated_at if row is not None else None


async def claim_mark(
    db: Database, provider: str, host: str, now: datetime, cutoff: datetime
) -> Claim:
    """Set the host's mark to `now` if it is unset or not after `cutoff`, atomically."""
    try:
        async with db.session() as session:
            # A conditional UPDATE is atomic on both backends: of two racing claims
            # for an expired mark only one matches the old time.
            done = await session.execute(
                update(DnsUpdateMark)
                .where(
                    DnsUpdateMark.provider == provider,
                    DnsUpdateMark.host == host,
                    DnsUpdateMark.updated_at <= cutoff,
                )
                .values(updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if getattr(done, "rowcount", 0) == 1:
                return Claim(taken=True)
            last = (
                await session.execute(
                    select(DnsUpdateMark.updated_at).where(
                        DnsUpdateMark.provider == provider, DnsUpdateMark.host == host
                    )
                )
            ).scalar_one_or_none()
            if last is not None:
                return Claim(taken=False, last=last)
            session.add(DnsUpdateMark(provider=provider, host=host, updated_at=now))
        return Claim(taken=True)
    except IntegrityError:
        # Another claim inserted the first mark for this host a moment ago.
        return Claim(taken=False, last=await get_mark(db, provider, host))


async def put_mark(db: Database, provider: str, host: str, at: datetime | None) -> None:
    """Set (or with None, forget) the host's last update time."""
    async with db.session() as session:
        row = await session.get(DnsUpdateMark, (provider, host))
        if at is None:
            if row is not None:
                await session.delete(row)
        elif row is None:
            session.add(DnsUpdateMark(provider=provider, host=host, updated_at=at))
        else:
            row.updated_at = at
