"""Domain checks: certificates running out, sites failing their health check, DNS pointing away.

The certificate and health checks read one shared sweep of every active domain (HTTPS through
Caddy, bounded concurrency); with no active domain no check touches the network at all.
"""

from __future__ import annotations

import asyncio
from typing import Any

from core.errors import JarvisError
from memory.db import Database
from memory.domain_models import DomainStatus
from memory.domains import Domain, list_domains
from memory.findings import Observation, Remedy, Severity
from tools.checks.base import CheckContext, CheckFailed, CheckResult, CheckSet
from tools.dns.base import DnsProvider
from tools.domains.repoint import public_ipv4, public_ipv6
from tools.netcheck.health import HealthReport, HealthTarget, sweep
from tools.workflows.domain_env import build_provider

checks = CheckSet()
SWEEP_CONCURRENCY = 50  # 200 domains in four rounds of at most a few seconds each
DNS_CONCURRENCY = 16
PROBE_SECONDS = 5.0


def _db(ctx: CheckContext) -> Database:
    if ctx.db is None:
        raise CheckFailed("the domain checks need the application database")
    return ctx.db


def _resource(fqdn: str) -> str:
    return f"domain:{fqdn}"


def _scope(examined: set[str], domains: list[Domain]) -> set[str] | None:
    # All active domains looked at: findings of domains no longer active may close too.
    return None if examined >= {_resource(d.fqdn) for d in domains} else examined


async def active_domains(ctx: CheckContext) -> list[Domain]:
    """The active managed domains, read once per pass."""
    db = _db(ctx)

    async def load() -> list[Domain]:
        return await list_domains(db, status=DomainStatus.ACTIVE)

    found: list[Domain] = await ctx.shared("domains.active", load)
    return found


async def health_reports(ctx: CheckContext, domains: list[Domain]) -> dict[str, HealthReport]:
    """One HTTPS sweep of the active domains per pass, shared by the checks that need it."""
    settings = ctx.settings.domains

    async def load() -> dict[str, HealthReport]:
        targets = [
            HealthTarget(
                domain=d.fqdn,
                port=settings.https_port,
                connect_address=settings.https_connect_address,
                timeout=PROBE_SECONDS,
                expiry_warning_days=settings.cert_thresholds[0],
                ca_bundle=settings.ca_bundle,
            )
            for d in domains
        ]
        reports = await sweep(targets, concurrency=SWEEP_CONCURRENCY)
        return {r.domain: r for r in reports}

    reports: dict[str, HealthReport] = await ctx.shared("domains.sweep", load)
    return reports


def _renew(fqdn: str, why: str) -> Remedy:
    return Remedy(tool="domains.renew_ssl", args={"fqdn": fqdn}, why=why)


def _certificate(ctx: CheckContext, fqdn: str, report: HealthReport) -> Observation | None:
    cert = report.certificate
    assert cert is not None
    first, last = ctx.settings.domains.cert_thresholds[0], ctx.settings.domains.cert_thresholds[-1]
    evidence: dict[str, Any] = cert.model_dump(mode="json")
    if cert.classification == "cert_invalid":
        why = "a fresh certificate from the CA replaces the one that is not accepted"
        return certificate_check.observe(
            _resource(fqdn), "critical", f"{fqdn}: {cert.detail}", evidence, _renew(fqdn, why)
        )
    days = cert.days_left
    if days is None or days > first:
        return None
    severity: Severity = "critical" if days <= last else "warning"
    why = f"the certificate runs out in {days:.1f} days and Caddy has not renewed it"
    summary = f"{fqdn}: certificate expires in {days:.1f} days ({cert.not_after:%Y-%m-%d})"
    return certificate_check.observe(
        _resource(fqdn), severity, summary, evidence, _renew(fqdn, why)
    )


@checks.check(
    "domains.certificate",
    title="Certificate expiring or invalid",
    description="""The certificate Caddy serves for an active domain runs out within the
        first renewal threshold, or is not accepted (expired, wrong name, untrusted).""",
    severity_rule="""critical when invalid or within the last threshold
        (domains.cert_thresholds), warning within the first.""",
    remedy="domains.renew_ssl for the domain",
)
async def certificate_check(ctx: CheckContext) -> CheckResult:
    """Certificates of the active domains near expiry or not accepted."""
    domains = await active_domains(ctx)
    if not domains:
        return CheckResult()
    reports = await health_reports(ctx, domains)
    found: list[Observation] = []
    examined: set[str] = set()
    for domain in domains:
        report = reports[domain.fqdn]
        if report.certificate is None:
            continue  # no handshake: the health check reports it, the certificate is unseen
        examined.add(_resource(domain.fqdn))
        seen = _certificate(ctx, domain.fqdn, report)
        if seen is not None:
            found.append(seen)
    return CheckResult(observations=found, scope=_scope(examined, domains))


@checks.check(
    "domains.health",
    title="Domain failing its health check",
    description="""An active domain does not answer over HTTPS through Caddy (refused, timed
        out, a 5xx status) or answers slowly. Certificate problems are the certificate
        check's, DNS answers the DNS check's.""",
    severity_rule="critical when down, warning when slow.",
)
async def health_check(ctx: CheckContext) -> CheckResult:
    """Active domains whose HTTPS answer is missing, failing or slow."""
    domains = await active_domains(ctx)
    if not domains:
        return CheckResult()
    reports = await health_reports(ctx, domains)
    found: list[Observation] = []
    for domain in domains:
        report = reports[domain.fqdn]
        https = report.https
        if https.classification in (None, "healthy"):
            continue  # None: the certificate was refused, so no request was made
        evidence = {
            "detail": https.detail,
            "status_code": https.status_code,
            "latency_ms": https.latency_ms,
            "address": report.address,
            "port": report.port,
            "upstream": domain.target,
        }
        severity: Severity = "critical" if https.classification == "down" else "warning"
        found.append(
            health_check.observe(
                _resource(domain.fqdn), severity, f"{domain.fqdn}: {https.detail}", evidence
            )
        )
    return CheckResult(observations=found)


async def _public_ipv4(ctx: CheckContext) -> str:
    async def load() -> str:
        return await public_ipv4(ctx.settings.domains)

    try:
        address: str = await ctx.shared("domains.public_ipv4", load)
    except JarvisError as exc:
        raise CheckFailed(f"the public IP is unknown: {exc.message}") from exc
    return address


async def _public_ipv6(ctx: CheckContext) -> str | None:
    async def load() -> str | None:
        try:
            return await public_ipv6(ctx.settings.domains)
        except JarvisError:
            return None  # not knowing it is not a mismatch

    address: str | None = await ctx.shared("domains.public_ipv6", load)
    return address


async def _records(
    ctx: CheckContext, provider: DnsProvider, domain: Domain, ipv4: str, gate: asyncio.Semaphore
) -> tuple[Domain, dict[str, list[str]] | None, dict[str, list[str]]]:
    """The domain's A/AAAA values (None: could not read) and the values they should have."""
    async with gate:
        try:
            have = {
                "A": await provider.get_records(domain.fqdn, "A"),
                "AAAA": await provider.get_records(domain.fqdn, "AAAA"),
            }
        except JarvisError:
            return domain, None, {}
    want = {"A": [ipv4]}
    if have["AAAA"]:
        ipv6 = await _public_ipv6(ctx)
        if ipv6 is not None:
            want["AAAA"] = [ipv6]
    return domain, have, want


@checks.check(
    "domains.dns",
    title="DNS record not pointing at the public IP",
    description="""The A record of an active domain (and its AAAA record, if it has one)
        does not hold the current public IP (domains.public_ip, or detected), as read from
        the configured DNS provider. Not checked when DNS is not managed here.""",
    severity_rule="critical: visitors are sent to another address.",
    remedy="domains.repoint_dns for the domain",
)
async def dns_check(ctx: CheckContext) -> CheckResult:
    """Active domains whose address records hold something else than the public IP."""
    domains = await active_domains(ctx)
    if not domains or ctx.settings.domains.provider == "none":
        return CheckResult()
    try:
        provider = build_provider(ctx.settings.domains, ctx.db)
    except JarvisError as exc:
        raise CheckFailed(f"the DNS provider is not usable: {exc.message}") from exc
    if provider is None:
        return CheckResult()
    ipv4 = await _public_ipv4(ctx)
    gate = asyncio.Semaphore(DNS_CONCURRENCY)
    read = await asyncio.gather(*(_records(ctx, provider, d, ipv4, gate) for d in domains))
    found: list[Observation] = []
    examined: set[str] = set()
    for domain, have, want in read:
        if have is None:
            continue  # the provider did not answer: its finding, if any, stays as it was
        examined.add(_resource(domain.fqdn))
        wrong = {k: v for k, v in want.items() if sorted(have[k]) != sorted(v)}
        if not wrong:
            continue
        shown = "; ".join(
            f"{k} is {', '.join(have[k]) or 'missing'}, expected {', '.join(v)}"
            for k, v in wrong.items()
        )
        why = f"point {domain.fqdn} at the public IP again ({shown})"
        found.append(
            dns_check.observe(
                _resource(domain.fqdn),
                "critical",
                f"{domain.fqdn}: {shown}",
                {"records": have, "expected": want, "provider": provider.name},
                Remedy(tool="domains.repoint_dns", args={"fqdn": domain.fqdn}, why=why),
            )
        )
    return CheckResult(observations=found, scope=_scope(examined, domains))
