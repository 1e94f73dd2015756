"""Checking a server's TLS certificate: dates, names, issuer, chain, and how urgent it is."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Literal

from cryptography import x509
from cryptography.x509.oid import NameOID
from pydantic import Field, StringConstraints

from core.errors import BadInput
from core.settings import Settings
from tools.deps import ToolDeps
from tools.registry import ToolArgs, ToolFamily, ToolResult
from tools.ssl.probe import probe

family = ToolFamily("ssl")

Status = Literal["ok", "warning", "critical", "expired", "invalid"]
DEFAULT_THRESHOLDS = (21, 7, 2)
HostName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_]([A-Za-z0-9_.:-]{0,252})$", max_length=253)
]


class CheckCertificateArgs(ToolArgs):
    """Which TLS endpoint to check."""

    host: HostName = Field(description="Host name or IP address to connect to.")
    port: int = Field(default=443, ge=1, le=65535, description="TCP port of the TLS service.")
    server_name: HostName | None = Field(
        default=None, description="Name sent in SNI and checked against the certificate (host)."
    )
    ca_bundle: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$",
        description="Name of a PEM file of CAs in the CA bundles folder, to verify against "
        "instead of the system trust store.",
    )
    timeout: float = Field(default=5.0, gt=0, le=30, description="Seconds to wait per step.")


class CertificateResult(ToolResult):
    """What the server presented and whether it can be trusted."""

    host: str
    port: int
    server_name: str
    status: Status
    error: str | None = None
    not_before: datetime | None = None
    not_after: datetime | None = None
    days_left: int | None = None
    issuer: str | None = None
    subject: str | None = None
    names: list[str] = Field(default_factory=list)
    serial: str | None = None
    chain_verified: bool = False
    verify_error: str | None = None
    name_matches: bool = False
    tls_version: str | None = None


def classify(
    result: CertificateResult, thresholds: tuple[int, int, int] = DEFAULT_THRESHOLDS
) -> Status:
    """ok | warning | critical | expired | invalid for a checked certificate.

    `thresholds` are days left for (warning, critical, renew-now); the last two both give
    `critical`.
    """
    warning, critical, urgent = thresholds
    if result.error is not None or result.not_after is None or result.days_left is None:
        return "invalid"
    if result.not_after <= datetime.now(UTC):
        return "expired"
    if not (result.chain_verified and result.name_matches):
        return "invalid"
    if result.days_left <= max(critical, urgent):
        return "critical"
    if result.days_left <= warning:
        return "warning"
    return "ok"


def _name(name: x509.Name) -> str:
    cn = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(cn[0].value) if cn else name.rfc4514_string()


def check_certificate(
    host: str,
    port: int = 443,
    server_name: str | None = None,
    ca_bundle: str | None = None,
    timeout: float = 5.0,
) -> CertificateResult:
    """Connect, read the presented certificate (even an untrusted one) and verify it."""
    name = server_name or host
    result = CertificateResult(host=host, port=port, server_name=name, status="invalid")
    probed = probe(host, port, name, ca_bundle=ca_bundle, timeout=timeout)
    if probed.peer is None:
        result.error = probed.reason
        return result
    cert = probed.peer.cert
    now = datetime.now(UTC)
    result.tls_version = probed.tls_version
    result.not_before = cert.not_valid_before_utc
    result.not_after = cert.not_valid_after_utc
    result.days_left = (cert.not_valid_after_utc - now).days
    result.issuer = _name(cert.issuer)
    result.subject = _name(cert.subject)
    result.names = probed.peer.names
    result.serial = format(cert.serial_number, "X")
    result.name_matches = probed.peer.covers(name)
    result.chain_verified = probed.chain_verified
    result.verify_error = probed.verify_error
    result.status = classify(result)
    return result


@family.tool(
    "check_certificate",
    risk="read",
    resource="host:{host}",
    description=(
        "Connect to a TLS service and report its certificate: expiry (not_after, days_left), "
        "issuer, subject names, serial, whether the chain verifies against the system trust "
        "store (or ca_bundle) and whether it matches server_name, with a status of ok, "
        "warning (<= 21 days), critical (<= 7 days), expired or invalid; a failed handshake "
        "(refused, timeout, not TLS) is reported in error."
    ),
)
async def check_certificate_tool(args: CheckCertificateArgs, deps: ToolDeps) -> CertificateResult:
    """Check the certificate a TLS endpoint presents."""
    bundle = bundle_path(args.ca_bundle, deps.settings) if args.ca_bundle else None
    return await asyncio.to_thread(
        check_certificate, args.host, args.port, args.server_name, bundle, args.timeout
    )


def bundle_path(name: str, settings: Settings) -> str:
    """The CA bundle `name` inside the configured folder; never a path elsewhere (no oracle)."""
    folder = (settings.ca_bundles_dir or settings.data_dir / "ca-bundles").resolve()
    candidate = (folder / name).resolve()
    # A symlink out of the folder counts as absent, and so does anything that is not a file.
    if candidate.parent != folder or not candidate.is_file():
        raise BadInput(f"CA bundle {name!r} is not one of the PEM files in {folder}")
    return str(candidate)
