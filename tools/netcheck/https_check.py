"""The HTTPS part of a health check: one GET to the address, its status and latency."""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import Any

import httpx

from tools.netcheck.cert_check import classify_certificate, refetch_certificate
from tools.netcheck.health_types import CertificateCheck, HealthTarget, HttpsCheck
from tools.ssl.probe import PeerCertificate

# The body is not inspected; reading a little of it shows the server finished answering.
MAX_BODY_BYTES = 64_000


async def check_https(
    target: HealthTarget, address: str | None, ctx: ssl.SSLContext
) -> tuple[HttpsCheck, CertificateCheck | None]:
    """GET the path at the address, the domain as SNI and Host: the verdict and certificate."""
    host = address or target.domain
    netloc = f"[{host}]" if ":" in host else host
    url = f"https://{netloc}:{target.port}{target.path}"
    peer: list[bytes] = []

    async def trace(event: str, info: dict[str, Any]) -> None:
        # Keep the certificate as soon as TLS completes, so a slow answer still reports it.
        if event == "connection.start_tls.complete" and "return_value" in info:
            obj = info["return_value"].get_extra_info("ssl_object")
            der = obj.getpeercert(binary_form=True) if obj is not None else None
            if der:
                peer.append(der)

    started = time.perf_counter()
    timeout = target.timeout
    status: int | None = None
    failure = ""
    verify_error: ssl.SSLCertVerificationError | None = None
    # A client per check: the pool keys connections by address, not by SNI name, so a shared
    # pool could hand one domain's connection (and certificate) to another on the same address.
    # No environment proxies: the point is to reach this address directly.
    async with httpx.AsyncClient(verify=ctx, trust_env=False, timeout=timeout) as client:
        try:
            async with asyncio.timeout(timeout):
                status = await _get(client, url, target.domain, trace)
        except TimeoutError:
            failure = f"no answer within {timeout:g}s"
        except httpx.HTTPError as exc:
            verify_error = _verify_error(exc)
            failure = _why(exc)
    latency = time.perf_counter() - started
    if verify_error is not None:
        probed = await refetch_certificate(target, host, verify_error)
        detail = "HTTPS: not requested, the certificate is not accepted"
        return HttpsCheck(classification=None, detail=detail), probed
    # A captured certificate passed the verifying handshake: trusted and valid for the name.
    cert = classify_certificate(target, PeerCertificate.from_der(peer[0]), True) if peer else None
    if status is None:
        return HttpsCheck(classification="down", detail=f"HTTPS: {failure}"), cert
    ms = latency * 1000
    answered = {"status_code": status, "latency_ms": ms}
    if status >= 500:
        return HttpsCheck(classification="down", detail=f"HTTPS: status {status}", **answered), cert
    if latency > target.slow_after:
        detail = f"HTTPS: slow, {latency:.2f}s (over {target.slow_after:g}s)"
        return HttpsCheck(classification="degraded", detail=detail, **answered), cert
    detail = f"HTTPS: status {status} in {ms:.0f} ms"
    return HttpsCheck(classification="healthy", detail=detail, **answered), cert


async def _get(client: httpx.AsyncClient, url: str, domain: str, trace: Any) -> int:
    extensions = {"sni_hostname": domain, "trace": trace}
    headers = {"Host": domain, "User-Agent": "jarvis-netcheck"}
    async with client.stream("GET", url, headers=headers, extensions=extensions) as response:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read >= MAX_BODY_BYTES:
                break
        return response.status_code


def _verify_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _why(exc: httpx.HTTPError) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        seen = seen.__cause__ or seen.__context__
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
