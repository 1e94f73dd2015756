"""The DNS part of a health check: does the domain answer with the expected address."""

from __future__ import annotations

import asyncio
import ipaddress
import time

from core.errors import JarvisError, NotFound
from tools.netcheck.common import parse_hostport, query_records
from tools.netcheck.health_types import Classification, DnsCheck, HealthTarget


async def check_dns(target: HealthTarget) -> DnsCheck:
    """Ask the target's nameserver for the domain's A or AAAA record and compare the answer."""
    assert target.expected_address is not None
    expected = target.expected_address
    rdtype = "A" if ipaddress.ip_address(expected).version == 4 else "AAAA"
    server, port = parse_hostport(target.nameserver)
    started = time.perf_counter()
    answers: list[str] = []
    try:
        async with asyncio.timeout(target.timeout):
            answers = await query_records(target.domain, rdtype, server, port, target.timeout)
    except TimeoutError:
        detail = f"DNS: {server}:{port} did not answer in {target.timeout:g}s"
        # Not knowing is not a mismatch: the service may be fine.
        return _dns(target, "degraded", detail, answers, started)
    except NotFound:
        return _dns(target, "dns_mismatch", f"DNS: {target.domain} does not exist", [], started)
    except JarvisError as exc:
        return _dns(target, "degraded", f"DNS check failed: {exc.message}", answers, started)
    normalised = sorted({str(ipaddress.ip_address(a)) for a in answers})
    if normalised == [expected]:
        return _dns(target, "healthy", f"DNS: {rdtype} {expected}", normalised, started)
    shown = ", ".join(normalised) or f"no {rdtype} record"
    detail = f"DNS: {target.domain} {rdtype} is {shown}, expected {expected}"
    return _dns(target, "dns_mismatch", detail, normalised, started)


def _dns(
    target: HealthTarget, cls: Classification, detail: str, answers: list[str], started: float
) -> DnsCheck:
    assert target.expected_address is not None
    return DnsCheck(
        classification=cls,
        detail=detail,
        expected=target.expected_address,
        answers=answers,
        duration_ms=(time.perf_counter() - started) * 1000,
    )
