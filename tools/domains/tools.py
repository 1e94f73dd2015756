"""The `domains.*` tools: reading the domains Jarvis publishes and running their workflows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from pydantic import Field, StringConstraints

from core.errors import BadInput, NotFound
from core.fqdn import normalise_fqdn
from memory.db import Database
from memory.domain_models import DomainStatus, EventCategory, EventLevel
from memory.domains import (
    Domain,
    DomainChanges,
    NewDomain,
    NewEvent,
    add_event,
    create_domain,
    find_domain,
    list_domains,
    list_events,
    list_tasks,
    update_domain,
)
from memory.models import utcnow
from tools.deps import ToolDeps
from tools.dns.base import zone_for
from tools.domains.ready import caddy_ready, provision_ready
from tools.domains.views import (
    DomainList,
    DomainStatusResult,
    DomainView,
    HealthResult,
    TaskOutcome,
    domain_view,
    event_view,
    outcome,
    task_view,
)
from tools.netcheck.health import HealthTarget, sweep
from tools.registry import ToolArgs, ToolFamily
from tools.workflows.domains import DomainEnv, deprovision, provision, renew_ssl

family = ToolFamily("domains")

Fqdn = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        pattern=r"^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{1,63}\.?$",
        max_length=253,
    ),
    Field(description="The domain name, e.g. app.example.com.", examples=["app.example.com"]),
]
Target = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_.\-\[\]:]{1,260}:\d{1,5}$"),
    Field(description="Where Caddy proxies to, as host:port.", examples=["127.0.0.1:8080"]),
]
LEVELS = {"healthy": EventLevel.INFO, "degraded": EventLevel.WARNING}


def _db(deps: ToolDeps) -> Database:
    if deps.db is None:
        raise BadInput("the domains tools need the application database")
    return deps.db


@asynccontextmanager
async def _env(deps: ToolDeps) -> AsyncIterator[DomainEnv]:
    # A fresh environment per call: its HTTP client belongs to this call's event loop.
    async with DomainEnv.from_settings(deps.settings, deps.db) as env:
        yield env


async def _domain(db: Database, fqdn: str) -> Domain:
    domain = await find_domain(db, fqdn)
    if domain is None:
        raise NotFound(f"{normalise_fqdn(fqdn)} is not a registered domain")
    return domain


class ListDomainsArgs(ToolArgs):
    """Which domains to list."""

    status: DomainStatus | None = Field(default=None, description="Only domains in this state.")


@family.tool(
    "list",
    risk="read",
    resource="domain:*",
    description=(
        "List the domains Jarvis publishes: name, target (host:port behind Caddy), DNS "
        "records, status (pending, provisioning, active, failed, removed), certificate and "
        "last health check; optionally only those in one status."
    ),
)
async def list_domains_tool(args: ListDomainsArgs, deps: ToolDeps) -> DomainList:
    """The registered domains."""
    return DomainList(
        domains=[domain_view(d) for d in await list_domains(_db(deps), status=args.status)]
    )


class FqdnArgs(ToolArgs):
    """Which domain."""

    fqdn: Fqdn


@family.tool(
    "status",
    risk="read",
    resource="domain:{fqdn}",
    description=(
        "Show one domain in detail: its record, its recent provisioning / deprovisioning / "
        "certificate renewal tasks with every step (done or not, what it did, errors) and "
        "the latest events of its history."
    ),
)
async def domain_status(args: FqdnArgs, deps: ToolDeps) -> DomainStatusResult:
    """One domain with its tasks and events."""
    db = _db(deps)
    domain = await _domain(db, args.fqdn)
    tasks = (await list_tasks(db, domain_id=domain.id))[-5:]
    events = (await list_events(db, domain.id, limit=10_000))[-50:]
    return DomainStatusResult(
        domain=domain_view(domain),
        tasks=[task_view(t) for t in tasks],
        events=[event_view(e) for e in events],
    )


class HealthArgs(ToolArgs):
    """One domain, or every active one."""

    fqdn: str = Field(
        default="*", max_length=253, description="A domain name, or * for every active domain."
    )


@family.tool(
    "health",
    risk="read",
    resource="domain:{fqdn}",
    description=(
        "Check the health of one domain (or * for every active one): DNS answer, HTTPS "
        "status and latency through Caddy, certificate validity; classified healthy, "
        "degraded, down, cert_invalid or dns_mismatch, and stored in the domain's history."
    ),
)
async def domain_health(args: HealthArgs, deps: ToolDeps) -> HealthResult:
    """Check one or every active domain and record the results."""
    db, settings = _db(deps), deps.settings.domains
    if args.fqdn == "*":
        domains = await list_domains(db, status=DomainStatus.ACTIVE)
    else:
        domains = [await _domain(db, args.fqdn)]
    resolver = {"nameserver": settings.resolvers[0]} if settings.resolvers else {}
    targets = [
        HealthTarget(
            domain=d.fqdn,
            port=settings.https_port,
            connect_address=settings.https_connect_address,
            expected_address=next(iter(d.records.get("A") or []), None) if resolver else None,
            ca_bundle=settings.ca_bundle,
            **resolver,
        )
        for d in domains
    ]
    reports = await sweep(targets)
    for domain, report in zip(domains, reports, strict=True):
        summary = report.model_dump(mode="json", include={"classification", "reasons", "port"})
        summary["status_code"] = report.https.status_code
        level = LEVELS.get(report.classification, EventLevel.ERROR)
        text = f"health: {report.classification}" + (
            f" ({'; '.join(report.reasons)})" if report.reasons else ""
        )
        await add_event(
            db, domain.id, NewEvent(category=EventCategory.HEALTH, level=level, message=text,
                                    data=summary)
        )  # fmt: skip
        await update_domain(db, domain.id, DomainChanges(health=summary, checked_at=utcnow()))
    return HealthResult(reports=reports)


class AddDomainArgs(ToolArgs):
    """A domain to register and where it should point."""

    fqdn: Fqdn
    target: Target


@family.tool(
    "add",
    risk="write",
    resource="domain:{fqdn}",
    description=(
        "Register a domain and its target (host:port) without touching DNS or Caddy yet; "
        "domains.provision then publishes it."
    ),
)
async def add_domain(args: AddDomainArgs, deps: ToolDeps) -> DomainView:
    """Register a domain (status pending)."""
    settings = deps.settings.domains
    name = normalise_fqdn(args.fqdn)
    zone = zone_for(name, settings.zones) if settings.zones else name.split(".", 1)[1]
    new = NewDomain(fqdn=name, zone=zone, target=args.target, provider=settings.provider)
    return domain_view(await create_domain(_db(deps), new))


class ProvisionArgs(ToolArgs):
    """The domain to publish and, unless it is registered already, its target."""

    fqdn: Fqdn
    target: Target | None = Field(
        default=None, description="host:port to proxy to; may be left out for a known domain."
    )


@family.tool(
    "provision",
    risk="write",
    resource="domain:{fqdn}",
    precheck=provision_ready,
    description=(
        "Publish a domain over HTTPS in 8 recorded steps: detect the public IP, create or "
        "update the DNS A record, wait for propagation, generate and apply the Caddy route "
        "(snapshot first), wait for the certificate, verify HTTPS, mark active. A failure "
        "rolls back what the run changed."
    ),
)
async def provision_domain(args: ProvisionArgs, deps: ToolDeps) -> TaskOutcome:
    """Run the provisioning workflow to its end."""
    async with _env(deps) as env:
        task = await provision(_db(deps), env, args.fqdn, args.target)
    return outcome(normalise_fqdn(args.fqdn), task, "provisioning")


@family.tool(
    "deprovision",
    risk="destructive",
    resource="domain:{fqdn}",
    precheck=caddy_ready,
    description=(
        "Take a domain down: remove its Caddy route (snapshot first, restored on failure) "
        "and delete its DNS A record; the domain is kept in history as removed."
    ),
)
async def deprovision_domain(args: FqdnArgs, deps: ToolDeps) -> TaskOutcome:
    """Run the deprovisioning workflow."""
    async with _env(deps) as env:
        task = await deprovision(_db(deps), env, args.fqdn)
    return outcome(normalise_fqdn(args.fqdn), task, "deprovisioning")


@family.tool(
    "renew_ssl",
    risk="write",
    resource="domain:{fqdn}",
    precheck=caddy_ready,
    description=(
        "Renew a domain's TLS certificate now through Caddy, keeping the old one served "
        "until the new one is live, and check the served serial changed."
    ),
)
async def renew_domain_ssl(args: FqdnArgs, deps: ToolDeps) -> TaskOutcome:
    """Run the certificate renewal workflow."""
    async with _env(deps) as env:
        task = await renew_ssl(_db(deps), env, args.fqdn)
    return outcome(normalise_fqdn(args.fqdn), task, "renewing the certificate of")
