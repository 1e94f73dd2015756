"""The DNS provider interface every provider implements, and helpers shared by them."""

from __future__ import annotations

import ipaddress
from abc import ABC, abstractmethod
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import BadInput
from core.fqdn import normalise_fqdn

RECORD_TYPES = frozenset({"A", "AAAA", "CNAME", "TXT", "MX", "CAA", "NS", "SRV"})


def normalise_type(rtype: str) -> str:
    """A record type in upper case; BadInput when it is not one we handle."""
    upper = rtype.strip().upper()
    if upper not in RECORD_TYPES:
        raise BadInput(
            f"record type {rtype!r} is not supported (use one of {sorted(RECORD_TYPES)})"
        )
    return upper


def check_values(rtype: str, values: Iterable[str]) -> list[str]:
    """The values, checked for the record type (addresses must be addresses), de-duplicated."""
    checked: list[str] = []
    for value in values:
        if rtype in {"A", "AAAA"}:
            try:
                address = ipaddress.ip_address(value.strip())
            except ValueError:
                raise BadInput(f"{value!r} is not an IP address") from None
            if (address.version == 4) != (rtype == "A"):
                raise BadInput(f"{value} is not an IPv{4 if rtype == 'A' else 6} address")
            text = str(address)
        else:
            text = value
            if not text:
                raise BadInput(f"an empty {rtype} value is not allowed")
        if text not in checked:
            checked.append(text)
    return checked


def zone_for(fqdn: str, zones: Iterable[str]) -> str:
    """The zone in `zones` that holds `fqdn` (longest suffix wins); BadInput if none does."""
    name = normalise_fqdn(fqdn)
    best: str | None = None
    for zone in zones:
        candidate = normalise_fqdn(zone)
        inside = name == candidate or name.endswith("." + candidate)
        if inside and (best is None or len(candidate) > len(best)):
            best = candidate
    if best is None:
        raise BadInput(f"{name} is in none of the configured zones")
    return best


class Capabilities(BaseModel):
    """What a provider can do."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record_types: frozenset[str]
    # False: the provider's API cannot list records; reads go to DNS (and may lag).
    api_reads: bool
    # Seconds the provider wants between two updates of one host (0: no limit).
    min_update_interval: float = 0.0
    multi_value: frozenset[str] = Field(
        default_factory=frozenset, description="Types that may hold several values."
    )
    sets_ttl: bool = True


class RecordSet(BaseModel):
    """The wanted values of one name and type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fqdn: str
    rtype: str
    values: list[str] = Field(min_length=1)
    ttl: int = Field(default=300, ge=30, le=86400)

    @field_validator("fqdn")
    @classmethod
    def _name(cls, value: str) -> str:
        return normalise_fqdn(value)

    @field_validator("rtype")
    @classmethod
    def _type(cls, value: str) -> str:
        return normalise_type(value)


class ChangeResult(BaseModel):
    """What a write did: whether anything changed, and the values there were before."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    changed: bool
    previous: list[str] = Field(default_factory=list)


class DnsProvider(ABC):
    """A DNS provider Jarvis can write records with."""

    name: str

    @property
    @abstractmethod
    def capabilities(self) -> Capabilities:
        """What this provider can do."""

    @abstractmethod
    async def get_records(self, fqdn: str, rtype: str) -> list[str]:
        """The current values of one name and type (empty when there are none)."""

    @abstractmethod
    async def ensure_record(
        self, fqdn: str, rtype: str, values: list[str], ttl: int = 300
    ) -> ChangeResult:
        """Make the name and type hold exactly `values`; a no-op when it already does."""

    @abstractmethod
    async def delete_record(self, fqdn: str, rtype: str, value: str | None = None) -> ChangeResult:
        """Remove one value (or all values when `value` is None) of a name and type."""

    async def apply(self, record: RecordSet) -> ChangeResult:
        """`ensure_record` for a validated record set."""
        return await self.ensure_record(record.fqdn, record.rtype, record.values, record.ttl)
