"""What the domains routes share: the prefix, path parameters, finding a domain, its output."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel

from core.errors import BadInput, NotFound
from memory import audit
from memory.db import Database
from memory.domains import (
    Domain,
    DomainKey,
    DomainSetup,
    DomainStamps,
    DomainState,
    find_domain,
    get_domain,
    notes_of,
)
from ui.web.api import ErrorBody
from ui.web.apikeys import ApiKeyView
from ui.web.state import get_state

PREFIX = "/api/v1/domains"

DomainRef = Annotated[
    str,
    Path(min_length=1, max_length=254, description="The domain's numeric id or its name"),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No domain with this id or name"}
}


class DomainNotes(BaseModel):
    """A domain's free-text notes."""

    notes: str | None


# Pydantic lays out fields from the last base to the first: id, name and upstream, notes,
# records and state, timestamps.
class DomainOut(DomainStamps, DomainState, DomainNotes, DomainSetup, DomainKey):
    """A domain as the API shows it."""


def db() -> Database:
    """The application's database."""
    return get_state().runtime.db


async def audit_change(caller: ApiKeyView, event: str, fqdn: str, data: dict[str, Any]) -> None:
    """Record a change to the domain records made through the API."""
    await audit.record(
        db(), actor=f"user:{caller.name}", event=event, resource=f"domain:{fqdn}", data=data
    )


async def resolve(ref: str) -> Domain:
    """The domain named by id or fqdn; NotFound otherwise."""
    if ref.isascii() and ref.isdecimal():  # "²" and "١٢" are digits to str.isdigit
        return await get_domain(db(), int(ref))
    try:
        found = await find_domain(db(), ref)
    except BadInput:
        found = None
    if found is None:
        raise NotFound(f"no domain {ref!r}")
    return found


def out(domain: Domain, notes: dict[int, str]) -> DomainOut:
    """A domain with its notes (from `notes_of`) as the API shows it."""
    return DomainOut(**domain.model_dump(), notes=notes.get(domain.id))


async def one(domain: Domain) -> DomainOut:
    """One domain with its notes as the API shows it."""
    return out(domain, await notes_of(db(), [domain.id]))
