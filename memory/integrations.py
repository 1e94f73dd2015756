"""Registry of integrated services (Home Assistant, Plex ...); credentials live in the vault."""

from __future__ import annotations

import difflib
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select

from core.errors import BadInput, Conflict, NotFound
from core.redaction import placeholder_for
from memory.db import Database
from memory.estate_models import Integration
from memory.models import utcnow
from memory.vault import Vault

NAME_RE = re.compile(r"[a-z][a-z0-9_-]{0,62}")


class IntegrationView(BaseModel):
    """A configured integration as callers see it: which credentials are set, never them."""

    name: str
    kind: str
    url: str
    credentials: list[str]
    options: dict[str, Any]
    created_at: datetime
    tested_at: datetime | None = None
    test_result: str | None = None

    @property
    def ok(self) -> bool:
        """True when the last test passed."""
        return self.test_result == "ok"


def _view(row: Integration) -> IntegrationView:
    return IntegrationView(
        name=row.name,
        kind=row.kind,
        url=row.url,
        credentials=sorted(row.secret_refs or {}),
        options=dict(row.options or {}),
        created_at=row.created_at,
        tested_at=row.tested_at,
        test_result=row.test_result,
    )


def check_name(name: str) -> str:
    """The name if it is allowed (lower-case letters, digits, - and _), else BadInput."""
    if not NAME_RE.fullmatch(name):
        raise BadInput(
            f"integration name {name!r} is not allowed: lower-case letters, digits, - and _, "
            "starting with a letter, at most 63 characters"
        )
    return name


async def save(
    db: Database,
    vault: Vault,
    salt: bytes,
    *,
    kind: str,
    url: str,
    secrets: dict[str, str],
    options: dict[str, Any] | None = None,
    name: str | None = None,
) -> tuple[IntegrationView, bool]:
    """Add an integration, or replace one of the same name and kind; True when it replaced.

    The name defaults to the kind, so adding a kind again replaces its configuration.
    """
    name = check_name(name or kind)
    refs = {field: placeholder_for(value, salt) for field, value in secrets.items() if value}
    async with db.session() as session:
        row = await session.get(Integration, name)
        if row is not None and row.kind != kind:
            raise Conflict(
                f"the integration {name!r} is a {row.kind}; remove it first or pick another name"
            )
        if refs:
            await vault.remember(session, {refs[f]: secrets[f] for f in refs})
        replaced = row is not None
        if row is None:
            row = Integration(name=name, kind=kind, created_at=utcnow())
            session.add(row)
        row.url = url
        row.secret_refs = refs
        row.options = dict(options or {})
        row.tested_at = None
        row.test_result = None
    return _view(row), replaced


async def get(db: Database, key: str) -> IntegrationView:
    """The integration named `key`, else the only one of kind `key`; NotFound naming others."""
    async with db.session() as session:
        row = await session.get(Integration, key)
        if row is not None:
            return _view(row)
        query = select(Integration).order_by(Integration.name)
        rows = list((await session.execute(query)).scalars())
    of_kind = [r for r in rows if r.kind == key]
    if len(of_kind) == 1:
        return _view(of_kind[0])
    if len(of_kind) > 1:
        several = ", ".join(r.name for r in of_kind)
        raise BadInput(f"there are several {key} integrations ({several}); name one")
    names = [r.name for r in rows]
    close = difflib.get_close_matches(key, names, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    known = f"; configured: {', '.join(names)}" if names and not close else ""
    raise NotFound(f"no integration named {key!r}{hint}{known}")


async def list_all(db: Database, kind: str | None = None) -> list[IntegrationView]:
    """Every configured integration (of one kind when given), by name."""
    query = select(Integration).order_by(Integration.name)
    if kind is not None:
        query = query.where(Integration.kind == kind)
    async with db.session() as session:
        return [_view(r) for r in (await session.execute(query)).scalars()]


async def remove(db: Database, key: str) -> IntegrationView:
    """Forget an integration (by name, or by kind when only one has it)."""
    view = await get(db, key)
    async with db.session() as session:
        await session.execute(delete(Integration).where(Integration.name == view.name))
    return view


async def record_test(db: Database, name: str, result: str) -> IntegrationView:
    """Keep the outcome of a test: "ok" or the reason it failed."""
    async with db.session() as session:
        row = await session.get(Integration, name)
        if row is None:
            raise NotFound(f"no integration named {name!r}")
        row.tested_at = utcnow()
        row.test_result = result[:2000]
    return _view(row)


async def reveal_secrets(db: Database, vault: Vault, name: str) -> dict[str, str]:
    """The credentials of an integration, by field (for building its client only)."""
    async with db.session() as session:
        row = await session.get(Integration, name)
        if row is None:
            raise NotFound(f"no integration named {name!r}")
        refs = dict(row.secret_refs or {})
        if not refs:
            return {}
        values = await vault.resolve(session, set(refs.values()))
    return {field: values[ref] for field, ref in refs.items()}


async def update_options(db: Database, name: str, options: dict[str, Any]) -> IntegrationView:
    """Replace an integration's settings (e.g. a certificate fingerprint pinned on first use)."""
    async with db.session() as session:
        row = await session.get(Integration, name)
        if row is None:
            raise NotFound(f"no integration named {name!r}")
        row.options = dict(options)
    return _view(row)
