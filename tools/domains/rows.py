"""One domain as a row of an import or export file: its columns and how each is checked."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from core.errors import BadInput
from core.fqdn import normalise_fqdn
from memory.domains import NOTES_MAX

DEFAULT_PROVIDER = "zoneedit"
REQUIRED_COLUMNS = ("fqdn", "target")
COLUMNS = ("fqdn", "target", "provider", "zone", "notes")
_TARGET = re.compile(
    r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9])?)"
    r":(?P<port>[0-9]{1,5})$"
)
_PROVIDER = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


def normalise_target(value: str) -> str:
    """`host:port` or `container:port` with a port in 1-65535; BadInput otherwise."""
    if not isinstance(value, str):
        raise BadInput("a target must be text")
    match = _TARGET.match(value.strip())
    if match is None:
        raise BadInput(f"{value!r} is not host:port or container:port")
    port = int(match["port"])
    if not 1 <= port <= 65535:
        raise BadInput(f"port {port} in {value!r} is not between 1 and 65535")
    host = match["host"]
    if host.startswith("["):
        try:
            host = f"[{ipaddress.IPv6Address(host[1:-1])}]"
        except ValueError:
            raise BadInput(f"{host} in {value!r} is not an IPv6 address") from None
    return f"{host}:{port}"


def normalise_provider(value: str) -> str:
    """A DNS provider's name in lower case; BadInput when it is not one."""
    name = value.strip().lower() if isinstance(value, str) else ""
    if not _PROVIDER.match(name):
        raise BadInput(f"{value!r} is not a provider name (letters, digits, . _ -)")
    return name


def default_zone(fqdn: str) -> str:
    """The zone assumed for a name when none is given: its last two labels."""
    return ".".join(fqdn.split(".")[-2:])


def checked(fn: Callable[[str], str], value: str) -> str:
    """`fn(value)`, its BadInput turned into the ValueError a pydantic validator raises."""
    try:
        return fn(value)
    except BadInput as exc:
        raise ValueError(exc.message) from None


class DomainRow(BaseModel):
    """One domain as imported and exported: name, upstream, DNS provider, zone and notes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    fqdn: str = Field(max_length=254, description="The name to publish, e.g. app.example.com")
    target: str = Field(
        max_length=500, description="Where Caddy sends it: host:port or container:port"
    )
    provider: str | None = Field(
        default=None, description=f"The DNS provider (default {DEFAULT_PROVIDER})"
    )
    zone: str | None = Field(
        default=None, description="The DNS zone holding the name (default: its last two labels)"
    )
    notes: str | None = Field(default=None, max_length=NOTES_MAX, description="Free text")

    @field_validator("fqdn")
    @classmethod
    def _fqdn(cls, value: str) -> str:
        return checked(normalise_fqdn, value)

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        return checked(normalise_target, value)

    @field_validator("provider")
    @classmethod
    def _provider(cls, value: str | None) -> str | None:
        return checked(normalise_provider, value) if value else None

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        zone = checked(normalise_fqdn, value)
        fqdn = info.data.get("fqdn")
        if isinstance(fqdn, str) and fqdn != zone and not fqdn.endswith("." + zone):
            raise ValueError(f"{fqdn} is not inside the zone {zone}")
        return zone

    @field_validator("notes")
    @classmethod
    def _notes(cls, value: str | None) -> str | None:
        return value or None

    def resolved_zone(self) -> str:
        """The zone given, or the default one for the name."""
        return self.zone or default_zone(self.fqdn)

    def resolved_provider(self) -> str:
        """The provider given, or the default one."""
        return self.provider or DEFAULT_PROVIDER
