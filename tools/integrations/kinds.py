"""What a kind of integration declares: its credentials, how to build its client, its probe.

A kind plugs in with one module that defines a `Kind` and one line in
tools/integrations/catalog.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from core.settings import IntegrationsSettings
from memory.integrations import IntegrationView


class Client(Protocol):
    """What every integration client offers: closing its connections."""

    async def aclose(self) -> None:
        """Close the connection pool."""


C = TypeVar("C", bound=Client)


@dataclass(frozen=True)
class Connection:
    """Everything a kind needs to build its client: the stored row and its credentials."""

    view: IntegrationView
    secrets: dict[str, str]
    settings: IntegrationsSettings

    @property
    def url(self) -> str:
        """The base URL as stored (no trailing slash)."""
        return self.view.url

    def secret(self, field: str) -> str:
        """One credential (KeyError is a bug: `required` lists what `add` insists on)."""
        return self.secrets[field]

    def option(self, field: str, default: Any = None) -> Any:
        """One non-secret setting."""
        return self.view.options.get(field, default)


@dataclass(frozen=True)
class Kind(Generic[C]):
    """One kind of integration (`homeassistant`, `plex` ...).

    `secrets` are the credential fields kept in the vault, `options` the non-secret settings it
    accepts, `required` the fields `jarvis integrations add` insists on. `connect` builds the
    client; `probe` asks the service something cheap and returns what answered (e.g. "Home
    Assistant 2024.6"), raising a typed error otherwise.
    """

    name: str
    title: str
    secrets: tuple[str, ...]
    connect: Callable[[Connection], C]
    probe: Callable[[C], Awaitable[str]]
    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    # Shown by `jarvis integrations add --help` and in errors: what the URL looks like.
    url_example: str = "https://service.example.net"
    # Settings learned from the service when it is added, before the probe (trust on first
    # use: Sunshine's certificate fingerprint, pinned); None when there is nothing to learn.
    enrol: Callable[[Connection], Awaitable[dict[str, Any]]] | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field `add` accepts (credentials, then settings)."""
        return self.secrets + self.options
