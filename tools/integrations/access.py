"""How tools and commands reach a configured integration without ever holding its credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from core.errors import BadInput, JarvisError, NotFound, NotReady
from core.settings import Settings
from memory import integrations
from memory.db import Database
from memory.integrations import IntegrationView
from memory.vault import Vault
from tools.integrations import catalog
from tools.integrations.kinds import Client, Connection, Kind

C = TypeVar("C", bound=Client)


@dataclass(frozen=True)
class TestReport:
    """The outcome of probing one integration."""

    view: IntegrationView
    ok: bool
    # What answered ("Home Assistant 2024.6") or why not, in words for a person.
    detail: str
    # The typed error's kind when it failed (auth_failed, unreachable, bad_reply ...).
    error: str | None = None


class Integrations:
    """Configured integrations: their rows, and clients built with credentials from the vault."""

    def __init__(self, db: Database | None, settings: Settings, salt: bytes, vault: Vault) -> None:
        self._db = db
        self.settings = settings
        self.salt = salt
        self.vault = vault

    @property
    def store(self) -> Database:
        """Jarvis's own database, where integrations are recorded."""
        if self._db is None:
            raise NotReady("integrations need Jarvis's own database; none is configured")
        return self._db

    async def list(self, kind: str | None = None) -> list[IntegrationView]:
        """Every configured integration (of one kind when given)."""
        return await integrations.list_all(self.store, kind)

    async def find(self, kind: Kind[Any], key: str | None = None) -> IntegrationView:
        """The integration of `kind` called `key`, or the only one of that kind."""
        if key:
            view = await integrations.get(self.store, key)
            if view.kind != kind.name:
                raise BadInput(f"the integration {key!r} is a {view.kind}, not a {kind.name}")
            return view
        found = await self.list(kind.name)
        if not found:
            raise NotReady(
                f"no {kind.title} is configured; add it with `jarvis integrations add "
                f"{kind.name} --url {kind.url_example} ...`"
            )
        if len(found) > 1:
            names = ", ".join(v.name for v in found)
            raise BadInput(f"several {kind.title} integrations are configured ({names}); name one")
        return found[0]

    async def connection(self, view: IntegrationView) -> Connection:
        """The row and its credentials from the vault, for building a client."""
        secrets = await integrations.reveal_secrets(self.store, self.vault, view.name)
        return Connection(view, secrets, self.settings.integrations)

    @asynccontextmanager
    async def open(self, kind: Kind[C], key: str | None = None) -> AsyncIterator[C]:
        """A client of the integration (closed on exit); tools never see its credentials."""
        view = await self.find(kind, key)
        client = kind.connect(await self.connection(view))
        try:
            yield client
        finally:
            await client.aclose()

    async def test(self, key: str) -> TestReport:
        """Probe one integration with its stored credentials and record the outcome."""
        view = await integrations.get(self.store, key)
        report = await probe(catalog.kind(view.kind), await self.connection(view))
        recorded = await integrations.record_test(
            self.store, view.name, "ok" if report.ok else report.detail
        )
        return TestReport(recorded, report.ok, report.detail, report.error)


async def probe(kind: Kind[Any], conn: Connection) -> TestReport:
    """Ask the service its kind's probe; a typed error becomes a failed report."""
    client = kind.connect(conn)
    try:
        detail = await kind.probe(client)
    except NotFound as exc:
        # A probe path that does not exist: the URL is not this service's base URL.
        return TestReport(conn.view, False, f"{exc.message}; is this {kind.title}?", "bad_reply")
    except JarvisError as exc:
        return TestReport(conn.view, False, exc.message, exc.kind)
    finally:
        await client.aclose()
    return TestReport(conn.view, True, detail)
