"""Per-domain health: DNS answer, HTTPS status and latency, certificate; swept concurrently."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx
from cryptography import x509
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import BadInput, JarvisError, NotFound
from tools.netcheck.common import parse_hostport, query_records

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

# The body is not inspected; reading a little of it shows the server finished answering.
MAX_BODY_BYTES = 64_000

# OpenSSL's X509_V_FLAG_NO_CHECK_TIME, which Python's VerifyFlags does not name: the chain
# probe judges trust alone, since expiry is read from the certificate itself.
_NO_CHECK_TIME = 0x200000


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


async def check_health(
    target: HealthTarget, contexts: dict[Path | None, ssl.SSLContext] | None = None
) -> HealthReport:
    """Run the DNS, HTTPS and certificate checks of one domain and classify the result."""
    started = time.perf_counter()
    ctx = _verifying_context(target.ca_bundle, {} if contexts is None else contexts)
    address = target.connect_address or target.expected_address
    dns_job = _check_dns(target) if target.expected_address else None
    # DNS and HTTPS are independent when the address to dial is known, so they overlap.
    if dns_job is not None:
        dns, (https, cert) = await asyncio.gather(dns_job, _check_https(target, address, ctx))
    else:
        dns, (https, cert) = None, await _check_https(target, address, ctx)
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


async def _check_dns(target: HealthTarget) -> DnsCheck:
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


async def _check_https(
    target: HealthTarget, address: str | None, ctx: ssl.SSLContext
) -> tuple[HttpsCheck, CertificateCheck | None]:
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
        probed = await _probe_certificate(target, host, verify_error)
        detail = "HTTPS: not requested, the certificate is not accepted"
        return HttpsCheck(classification=None, detail=detail), probed
    # A captured certificate passed the verifying handshake: trusted and valid for the name.
    cert = _certificate(target, peer[0], True) if peer else None
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


async def _probe_certificate(
    target: HealthTarget, host: str, verify_error: ssl.SSLCertVerificationError
) -> CertificateCheck:
    """Fetch the certificate that failed verification, to say exactly what is wrong with it."""
    trust = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    trust.check_hostname = False
    trust.verify_flags |= _NO_CHECK_TIME
    if target.ca_bundle is not None:
        trust.load_verify_locations(cafile=str(target.ca_bundle))
    else:
        trust.load_default_certs()
    try:
        async with asyncio.timeout(target.timeout):
            try:
                der = await _handshake(host, target.port, target.domain, trust)
                chain_ok = True
            except ssl.SSLCertVerificationError:
                blind = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                blind.check_hostname = False
                blind.verify_mode = ssl.CERT_NONE
                der = await _handshake(host, target.port, target.domain, blind)
                chain_ok = False
    except (OSError, TimeoutError) as exc:
        reason = verify_error.verify_message or str(verify_error)
        return CertificateCheck(
            classification="cert_invalid",
            detail=f"certificate: rejected ({reason}); could not fetch it again: {exc!r}",
        )
    cert = _certificate(target, der, chain_ok)
    if cert.classification != "cert_invalid":
        # Our reading found nothing wrong, yet the verifying handshake refused it: trust that.
        reason = verify_error.verify_message or str(verify_error)
        cert = cert.model_copy(
            update={"classification": "cert_invalid", "detail": f"certificate: {reason}"}
        )
    return cert


async def _handshake(host: str, port: int, domain: str, ctx: ssl.SSLContext) -> bytes:
    _, writer = await asyncio.open_connection(host, port, ssl=ctx, server_hostname=domain)
    try:
        obj = writer.get_extra_info("ssl_object")
        der: bytes | None = obj.getpeercert(binary_form=True) if obj is not None else None
    finally:
        writer.close()
    if not der:
        raise OSError("the server sent no certificate")
    return der


def _certificate(target: HealthTarget, der: bytes, chain_ok: bool | None) -> CertificateCheck:
    """Read expiry, names and issuer from the leaf and classify it."""
    cert = x509.load_der_x509_certificate(der)
    now = datetime.now(UTC)
    not_after = cert.not_valid_after_utc
    days_left = (not_after - now).total_seconds() / 86400
    names = _names(cert)
    matches = any(_name_matches(n, target.domain) for n in names)
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


def _names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        # Clients ignore the subject CN when there is no SAN; so do we.
        return []
    dns_names = [n.lower() for n in san.get_values_for_type(x509.DNSName)]
    return dns_names + [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]


def _name_matches(pattern: str, domain: str) -> bool:
    """RFC 6125 matching: exact, or a wildcard standing for exactly one leftmost label."""
    pattern = pattern.rstrip(".")
    if pattern == domain:
        return True
    if pattern.startswith("*.") and "*" not in pattern[2:]:
        head, _, rest = domain.partition(".")
        return bool(head) and rest == pattern[2:] and rest.count(".") >= 1
    return False


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
