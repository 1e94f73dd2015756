"""Domain records: the fields every view of a domain shares, and registering, reading, changing
and deleting domains."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import BadInput, Conflict, NotFound
from core.fqdn import normalise_fqdn
from memory.db import Database
from memory.domain_models import DomainEvent, DomainRecord, DomainStatus, DomainTask
from memory.domains.common import Clock, Input, domain_row
from memory.models import utcnow

_REQUIRED = frozenset({"target", "provider", "records", "status"})

# The fields of a domain are declared once, in the groups below; the domain as stored, the tool
# result and the REST answer are made of them. Pydantic lays out the fields of a class with
# several bases from the last base to the first, so list the bases in reverse reading order.


class DomainKey(BaseModel):
    """A stored domain's id."""

    id: int


class DomainSetup(BaseModel):
    """What a domain is registered as: its name, zone, upstream and DNS provider."""

    fqdn: str
    zone: str
    target: str
    provider: str


class DomainState(BaseModel):
    """What Jarvis last published and saw of a domain: records, status, certificate, health."""

    records: dict[str, list[str]]
    status: DomainStatus
    cert: dict[str, Any] | None
    health: dict[str, Any] | None
    checked_at: datetime | None


class DomainStamps(BaseModel):
    """When a domain was registered and last changed."""

    created_at: datetime
    updated_at: datetime


class DomainFields(DomainState, DomainSetup):
    """A domain's own fields (without id and timestamps), in the order every view shows them."""


class Domain(DomainStamps, DomainFields, DomainKey):
    """A domain as stored."""

    model_config = ConfigDict(frozen=True)


class NewDomain(Input):
    """What is needed to register a domain."""

    fqdn: str
    zone: str
    target: str = Field(min_length=1, max_length=500)
    provider: str = Field(min_length=1, max_length=100)
    records: dict[str, list[str]] = Field(default_factory=dict)
    status: DomainStatus = DomainStatus.PENDING

    @field_validator("fqdn", "zone")
    @classmethod
    def _name(cls, value: str) -> str:
        return normalise_fqdn(value)

    @field_validator("records")
    @classmethod
    def _types(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {rtype.upper(): list(values) for rtype, values in value.items()}


class DomainChanges(Input):
    """Fields of a domain to change; those left out stay as they are."""

    target: str | None = Field(default=None, min_length=1, max_length=500)
    provider: str | None = Field(default=None, min_length=1, max_length=100)
    records: dict[str, list[str]] | None = None
    status: DomainStatus | None = None
    cert: dict[str, Any] | None = None
    health: dict[str, Any] | None = None
    checked_at: datetime | None = None


def to_domain(row: DomainRecord) -> Domain:
    """The stored row as a Domain."""
    return Domain.model_validate(row, from_attributes=True)


async def insert_domain(session: AsyncSession, new: NewDomain, now: datetime) -> DomainRecord:
    """Add a domain's row within an open session; BadInput when the name is outside its zone."""
    if new.fqdn != new.zone and not new.fqdn.endswith("." + new.zone):
        raise BadInput(f"{new.fqdn} is not inside the zone {new.zone}")
    row = DomainRecord(
        fqdn=new.fqdn,
        zone=new.zone,
        target=new.target,
        provider=new.provider,
        records=new.records,
        status=new.status.value,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def create_domain(db: Database, new: NewDomain, *, clock: Clock = utcnow) -> Domain:
    """Register a domain; Conflict when the name is already registered."""
    try:
        async with db.session() as session:
            return to_domain(await insert_domain(session, new, clock()))
    except IntegrityError:
        raise Conflict(f"the domain {new.fqdn} is already registered") from None


async def get_domain(db: Database, domain_id: int) -> Domain:
    """One domain by id; NotFound when there is none."""
    async with db.session() as session:
        return to_domain(await domain_row(session, domain_id))


async def find_domain(db: Database, fqdn: str) -> Domain | None:
    """One domain by name, or None."""
    name = normalise_fqdn(fqdn)
    async with db.session() as session:
        row = (
            await session.execute(select(DomainRecord).where(DomainRecord.fqdn == name))
        ).scalar_one_or_none()
        return to_domain(row) if row is not None else None


async def list_domains(db: Database, *, status: DomainStatus | None = None) -> list[Domain]:
    """Every domain (optionally of one status), by name."""
    query = select(DomainRecord).order_by(DomainRecord.fqdn)
    if status is not None:
        query = query.where(DomainRecord.status == status.value)
    async with db.session() as session:
        return [to_domain(row) for row in (await session.execute(query)).scalars()]


async def update_domain(
    db: Database, domain_id: int, changes: DomainChanges, *, clock: Clock = utcnow
) -> Domain:
    """Change the given fields of a domain; NotFound when there is none."""
    async with db.session() as session:
        row = await domain_row(session, domain_id)
        for field in changes.model_fields_set:
            value = getattr(changes, field)
            if value is None and field in _REQUIRED:
                raise BadInput(f"a domain's {field} cannot be removed")
            setattr(row, field, value.value if isinstance(value, DomainStatus) else value)
        row.updated_at = clock()
        await session.flush()
        return to_domain(row)


async def delete_domain(
    db: Database, domain_id: int, *, statuses: Collection[DomainStatus]
) -> None:
    """Delete a domain and its history if its status is one of `statuses`.

    NotFound when there is no such domain; Conflict (its status in `details`) when it is in
    another status. The check and the delete are one statement, so a workflow starting
    meanwhile cannot lose its domain.
    """
    async with db.session() as session:
        done = await session.execute(
            delete(DomainRecord)
            .where(
                DomainRecord.id == domain_id,
                DomainRecord.status.in_([status.value for status in statuses]),
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(done, "rowcount", 0) != 1:
            current = await session.get(DomainRecord, domain_id)
            if current is None:
                raise NotFound(f"domain {domain_id} does not exist")
            raise Conflict(
                f"{current.fqdn} is {current.status}", details={"status": current.status}
            )
        # Foreign keys cascade on PostgreSQL and SQLite alike; this covers a store without.
        await session.execute(delete(DomainEvent).where(DomainEvent.domain_id == domain_id))
        await session.execute(delete(DomainTask).where(DomainTask.domain_id == domain_id))
