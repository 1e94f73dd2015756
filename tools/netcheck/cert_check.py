"""The certificate part of a health check: expiry, names and trust of the served leaf."""

from __future__ import annotations

import asyncio
import ssl
from datetime import UTC, datetime
from typing import Any

from tools.netcheck.health_types import CertificateCheck, HealthTarget
from tools.ssl.probe import PeerCertificate, ProbeResult, probe


async def refetch_certificate(
    target: HealthTarget, host: str, verify_error: ssl.SSLCertVerificationError
) -> CertificateCheck:
    """Fetch the certificate that failed verification, to say exactly what is wrong with it."""
    rejected = verify_error.verify_message or str(verify_error)
    try:
        async with asyncio.timeout(target.timeout):
            # Dates are read from the certificate itself: the chain is judged on trust alone.
            probed = await asyncio.to_thread(
                probe,
                host,
                target.port,
                target.domain,
                ca_bundle=target.ca_bundle,
                timeout=target.timeout,
                check_time=False,
            )
    except TimeoutError:
        probed = ProbeResult(None, reason=f"no handshake within {target.timeout:g}s")
    if probed.peer is None:
        return CertificateCheck(
            classification="cert_invalid",
            detail=f"certificate: rejected ({rejected}); could not fetch it again: {probed.reason}",
        )
    cert = classify_certificate(target, probed.peer, probed.chain_verified)
    if cert.classification != "cert_invalid":
        # Our reading found nothing wrong, yet the verifying handshake refused it: trust that.
        cert = cert.model_copy(
            update={"classification": "cert_invalid", "detail": f"certificate: {rejected}"}
        )
    return cert


def classify_certificate(
    target: HealthTarget, peer: PeerCertificate, chain_ok: bool | None
) -> CertificateCheck:
    """Read expiry, names and issuer from the leaf and classify it."""
    cert = peer.cert
    now = datetime.now(UTC)
    not_after = cert.not_valid_after_utc
    days_left = (not_after - now).total_seconds() / 86400
    names = peer.names
    matches = peer.covers(target.domain)
    common: dict[str, Any] = {
        "not_after": not_after,
        "days_left": round(days_left, 2),
        "issuer": cert.issuer.rfc4514_string(),
        "names": names,
        "name_matches": matches,
        "chain_verified": chain_ok,
    }
    problems: list[str] = []
    if days_left < 0:
        problems.append(f"expired {-days_left:.1f} days ago ({not_after:%Y-%m-%d})")
    if cert.not_valid_before_utc > now:
        problems.append(f"not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")
    if not matches:
        problems.append(f"not valid for {target.domain} (names: {', '.join(names) or 'none'})")
    if chain_ok is False:
        problems.append(f"not trusted (issuer {common['issuer']})")
    if problems:
        detail = "certificate: " + "; ".join(problems)
        return CertificateCheck(classification="cert_invalid", detail=detail, **common)
    if days_left < target.expiry_warning_days:
        detail = f"certificate: expires in {days_left:.1f} days ({not_after:%Y-%m-%d})"
        return CertificateCheck(classification="degraded", detail=detail, **common)
    detail = f"certificate: valid for {days_left:.0f} more days"
    return CertificateCheck(classification="healthy", detail=detail, **common)
