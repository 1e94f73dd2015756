"""Pieces every part of the domains repository shares: the clock, the input base, row lookup."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from memory.domain_models import DomainRecord

Clock = Callable[[], datetime]


class Input(BaseModel):
    """Base of what callers hand the repository: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


async def domain_row(session: AsyncSession, domain_id: int) -> DomainRecord:
    """The stored row of a domain; NotFound when there is none."""
    # Ids are 64-bit: a larger number names nothing (and would overflow the driver).
    row = await session.get(DomainRecord, domain_id) if 0 < domain_id < 2**63 else None
    if row is None:
        raise NotFound(f"domain {domain_id} does not exist")
    return row
