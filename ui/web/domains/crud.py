"""Domain records over REST: list, register, read, change, forget, and read the history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import Conflict, NotFound
from memory.domain_models import DomainStatus, EventCategory, EventLevel
from memory.domains import (
    NOTES_MAX,
    DomainChanges,
    Event,
    NewDomain,
    NewEvent,
    add_event,
    create_domain,
    delete_domain,
    list_domains,
    list_events,
    notes_of,
    set_notes,
    update_domain,
)
from tools.domains.rows import DomainRow, checked, normalise_provider, normalise_target
from ui.web.api import Caller, ErrorBody, _errors
from ui.web.domains.common import (
    NOT_FOUND,
    PREFIX,
    DomainOut,
    DomainRef,
    audit_change,
    db,
    one,
    out,
    resolve,
)

# A domain in one of these states has nothing published (or nothing left) and may be dropped.
DELETABLE = frozenset({DomainStatus.PENDING, DomainStatus.REMOVED})

# Routes on the collection, and routes on one domain (`/{ref}`): domains_api puts the second
# after every fixed path such as /summary, which `/{ref}` would otherwise match.
collection = APIRouter(prefix=PREFIX)
item = APIRouter(prefix=PREFIX)


class DomainIn(DomainRow):
    """A domain to register: name and upstream; provider, zone and notes are optional."""


class DomainPatch(BaseModel):
    """Fields of a domain to change; those left out stay as they are (null notes clear them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    target: str | None = Field(default=None, description="host:port or container:port")
    provider: str | None = Field(default=None, description="The DNS provider")
    notes: str | None = Field(default=None, max_length=NOTES_MAX, description="Free text")

    @field_validator("target")
    @classmethod
    def _target(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("a domain's target cannot be removed")
        return checked(normalise_target, value)

    @field_validator("provider")
    @classmethod
    def _provider(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("a domain's provider cannot be removed")
        return checked(normalise_provider, value)


@collection.get("", summary="List domains by name, optionally of one status")
async def list_all(
    _caller: Caller,
    status_: Annotated[DomainStatus | None, Query(alias="status")] = None,
) -> list[DomainOut]:
    """Every domain by name, optionally of one status."""
    async with _errors():
        domains = await list_domains(db(), status=status_)
        notes = await notes_of(db(), [d.id for d in domains])
    return [out(domain, notes) for domain in domains]


@collection.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a domain (nothing is published until it is provisioned)",
    responses={409: {"model": ErrorBody, "description": "The name is already registered"}},
)
async def create(body: DomainIn, caller: Caller) -> DomainOut:
    """Register a domain as pending; 409 when the name is taken."""
    async with _errors():
        domain = await create_domain(
            db(),
            NewDomain(
                fqdn=body.fqdn,
                zone=body.resolved_zone(),
                target=body.target,
                provider=body.resolved_provider(),
            ),
        )
        if body.notes:
            await set_notes(db(), domain.id, body.notes)
        await audit_change(caller, "domain_created", domain.fqdn, {"target": domain.target})
        return await one(domain)


@item.get("/{ref}", summary="One domain by id or name", responses=NOT_FOUND)
async def get_one(ref: DomainRef, _caller: Caller) -> DomainOut:
    """One domain by numeric id or by name."""
    async with _errors():
        return await one(await resolve(ref))


@item.patch(
    "/{ref}",
    summary="Change a domain's target, provider or notes",
    responses=NOT_FOUND,
)
async def patch(ref: DomainRef, body: DomainPatch, caller: Caller) -> DomainOut:
    """Change the fields given; a new target takes effect when the domain is provisioned again."""
    async with _errors():
        domain = await resolve(ref)
        fields = body.model_fields_set
        changes = DomainChanges.model_validate(
            {name: getattr(body, name) for name in fields & {"target", "provider"}}
        )
        if changes.model_fields_set:
            before = domain
            domain = await update_domain(db(), domain.id, changes)
            if domain.target != before.target and before.status != DomainStatus.PENDING:
                await add_event(
                    db(),
                    domain.id,
                    NewEvent(
                        category=EventCategory.WORKFLOW,
                        level=EventLevel.WARNING,
                        message=f"target changed from {before.target} to {domain.target}; "
                        "provision again to apply it",
                    ),
                )
        if "notes" in fields:
            await set_notes(db(), domain.id, body.notes)
        changed = {name: getattr(body, name) for name in fields}
        await audit_change(caller, "domain_updated", domain.fqdn, changed)
        return await one(domain)


@item.delete(
    "/{ref}",
    summary="Forget a domain that is not provisioned",
    responses={
        **NOT_FOUND,
        409: {"model": ErrorBody, "description": "It is provisioned: deprovision it first"},
    },
)
async def remove(ref: DomainRef, caller: Caller) -> DomainOut:
    """Delete the record (and its history) when nothing is published; 409 otherwise."""
    async with _errors():
        domain = await resolve(ref)
        shown = await one(domain)
        try:
            await delete_domain(db(), domain.id, statuses=DELETABLE)
        except NotFound:
            raise NotFound(f"no domain {ref!r}") from None
        except Conflict as exc:
            current = (exc.details or {}).get("status")
            raise Conflict(
                f"{domain.fqdn} is {current}; deprovision it first "
                f"(POST {PREFIX}/{domain.id}/deprovision)"
            ) from None
    await audit_change(caller, "domain_deleted", domain.fqdn, {"target": domain.target})
    return shown


@item.get("/{ref}/events", summary="A domain's history, oldest first", responses=NOT_FOUND)
async def events(
    ref: DomainRef,
    _caller: Caller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[Event]:
    """A domain's events, oldest first."""
    async with _errors():
        domain = await resolve(ref)
        return await list_events(db(), domain.id, limit=limit)
