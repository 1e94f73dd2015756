"""The health check's target, its three checks' results and the report they make together."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import BadInput
from tools.netcheck.common import parse_hostport

Classification = Literal["healthy", "degraded", "down", "cert_invalid", "dns_mismatch"]

# Worst first: a wrong DNS answer explains everything after it; a bad certificate hides the
# service behind it; a service that is down outranks one that is merely slow or expiring.
SEVERITY: dict[Classification, int] = {
    "dns_mismatch": 4,
    "cert_invalid": 3,
    "down": 2,
    "degraded": 1,
    "healthy": 0,
}


class HealthTarget(BaseModel):
    """One domain to check, and where and how to check it."""

    model_config = ConfigDict(extra="forbid")

    domain: str = Field(min_length=1, max_length=253, description="Name used for SNI and Host")
    port: int = Field(443, ge=1, le=65535)
    path: str = Field("/", pattern=r"^/")
    connect_address: str | None = Field(
        None, description="IP to dial instead of resolving the domain; default expected_address"
    )
    expected_address: str | None = Field(
        None, description="The A/AAAA answer the domain should have; no DNS check without it"
    )
    nameserver: str = Field(
        "1.1.1.1", description="Nameserver for the DNS check, as ip, ip:port or [ipv6]:port"
    )
    timeout: float = Field(5.0, gt=0, le=120, description="Seconds each check may take")
    slow_after: float = Field(2.0, gt=0, description="Latency (s) above which it is degraded")
    expiry_warning_days: int = Field(21, ge=0)
    ca_bundle: Path | None = Field(None, description="PEM CAs to trust; default system store")

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        name = value.strip().lower().rstrip(".")
        if not name or any(c in name for c in "/:@ ") or ".." in name:
            raise ValueError(f"not a domain name: {value!r}")
        return name

    @field_validator("connect_address", "expected_address")
    @classmethod
    def _ip(cls, value: str | None) -> str | None:
        return None if value is None else str(ipaddress.ip_address(value))

    @field_validator("nameserver")
    @classmethod
    def _nameserver(cls, value: str) -> str:
        try:
            parse_hostport(value)
        except BadInput as exc:
            raise ValueError(exc.message) from None
        return value


class DnsCheck(BaseModel):
    classification: Classification
    detail: str
    expected: str
    answers: list[str]
    duration_ms: float


class HttpsCheck(BaseModel):
    classification: Classification | None = Field(
        description="None when skipped because the certificate is not acceptable"
    )
    detail: str
    status_code: int | None = None
    latency_ms: float | None = None


class CertificateCheck(BaseModel):
    classification: Classification
    detail: str
    not_after: datetime | None = None
    days_left: float | None = None
    issuer: str | None = None
    names: list[str] = Field(default_factory=list)
    name_matches: bool | None = None
    chain_verified: bool | None = None


class HealthReport(BaseModel):
    """The checks of one domain and the overall verdict: the worst of them."""

    domain: str
    address: str | None = Field(description="The address dialled; None when resolved by name")
    port: int
    classification: Classification
    reasons: list[str] = Field(description="Why it is not healthy, one line per finding")
    dns: DnsCheck | None
    https: HttpsCheck
    certificate: CertificateCheck | None = Field(
        description="None when no TLS handshake completed (refused, timed out before TLS)"
    )
    duration_ms: float
