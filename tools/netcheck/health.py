"""Per-domain health: DNS answer, HTTPS status and latency, certificate; swept concurrently."""

from __future__ import annotations

import asyncio
import ssl
import time
from pathlib import Path

from core.errors import BadInput
from tools.netcheck.dns_check import check_dns
from tools.netcheck.health_types import (
    SEVERITY,
    CertificateCheck,
    Classification,
    DnsCheck,
    HealthReport,
    HealthTarget,
    HttpsCheck,
)
from tools.netcheck.https_check import check_https

__all__ = [
    "SEVERITY",
    "CertificateCheck",
    "Classification",
    "DnsCheck",
    "HealthReport",
    "HealthTarget",
    "HttpsCheck",
    "check_health",
    "sweep",
]


async def check_health(
    target: HealthTarget, contexts: dict[Path | None, ssl.SSLContext] | None = None
) -> HealthReport:
    """Run the DNS, HTTPS and certificate checks of one domain and classify the result."""
    started = time.perf_counter()
    ctx = _verifying_context(target.ca_bundle, {} if contexts is None else contexts)
    address = target.connect_address or target.expected_address
    dns_job = check_dns(target) if target.expected_address else None
    # DNS and HTTPS are independent when the address to dial is known, so they overlap.
    if dns_job is not None:
        dns, (https, cert) = await asyncio.gather(dns_job, check_https(target, address, ctx))
    else:
        dns, (https, cert) = None, await check_https(target, address, ctx)
    findings = [c for c in (dns, https, cert) if c is not None and c.classification]
    worst: Classification = max(
        (c.classification for c in findings if c.classification),
        key=SEVERITY.__getitem__,
        default="healthy",
    )
    reasons = [c.detail for c in findings if c.classification and c.classification != "healthy"]
    return HealthReport(
        domain=target.domain,
        address=address,
        port=target.port,
        classification=worst,
        reasons=reasons,
        dns=dns,
        https=https,
        certificate=cert,
        duration_ms=(time.perf_counter() - started) * 1000,
    )


async def sweep(targets: list[HealthTarget], concurrency: int = 50) -> list[HealthReport]:
    """Check many domains, at most `concurrency` at a time; reports in the targets' order."""
    if concurrency < 1:
        raise BadInput("concurrency must be at least 1")
    gate = asyncio.Semaphore(concurrency)
    # Loading a CA store costs milliseconds; share one context per bundle across the sweep.
    contexts: dict[Path | None, ssl.SSLContext] = {}

    async def one(target: HealthTarget) -> HealthReport:
        async with gate:
            return await check_health(target, contexts)

    return list(await asyncio.gather(*(one(t) for t in targets)))


def _verifying_context(
    bundle: Path | None, cache: dict[Path | None, ssl.SSLContext]
) -> ssl.SSLContext:
    if bundle not in cache:
        if bundle is not None and not bundle.is_file():
            raise BadInput(f"CA bundle {bundle} does not exist")
        cache[bundle] = ssl.create_default_context(cafile=str(bundle) if bundle else None)
    return cache[bundle]
