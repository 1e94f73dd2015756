"""`domains.repoint_dns`: point a domain's address records back at the current public IP."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from pydantic import Field

from core.errors import BadInput, Unreachable
from core.fqdn import normalise_fqdn
from core.settings import DomainsSettings
from memory.domain_models import DomainStatus, EventCategory, EventLevel
from memory.domains import Domain, DomainChanges, NewEvent, add_event, update_domain
from tools.deps import ToolDeps
from tools.dns.base import DnsProvider
from tools.dns.propagation import wait_for
from tools.domains.tools import FqdnArgs, _db, _domain, _env, family
from tools.netcheck.public_ip import detect_public_ip
from tools.registry import ToolResult
from tools.workflows.domain_env import DomainEnv


async def public_ipv4(settings: DomainsSettings) -> str:
    """The IPv4 address A records should hold: fixed in settings, or detected with quorum."""
    address = settings.public_ip or str((await detect_public_ip("ipv4")).address)
    if ipaddress.ip_address(address).version != 4:
        raise BadInput(f"the public IP {address} is not an IPv4 address (A record)")
    return address


async def public_ipv6(settings: DomainsSettings) -> str | None:
    """The IPv6 address AAAA records should hold; None when it cannot be known.

    A fixed `public_ip` names only the IPv4 address, so with it set the IPv6 one is unknown.
    """
    if settings.public_ip:
        return None
    return str((await detect_public_ip("ipv6")).address)


@dataclass
class Plan:
    """The address records of one name now, and the values they should get."""

    fqdn: str
    before: dict[str, list[str]]
    after: dict[str, list[str]]
    kept: list[str] = field(default_factory=list)  # why a record type is left as it is

    @property
    def changes(self) -> dict[str, list[str]]:
        """The record types whose values change."""
        return {k: v for k, v in self.after.items() if sorted(v) != sorted(self.before[k])}


def _provider(env: DomainEnv) -> DnsProvider:
    if env.provider is None:
        raise BadInput("DNS is not managed here (domains.provider is none): nothing to repoint")
    return env.provider


def _repointable(domain: Domain) -> None:
    # A workflow under way owns the records; a removed domain has none to fix.
    if domain.status != DomainStatus.ACTIVE:
        raise BadInput(f"{domain.fqdn} is {domain.status.value}, not active: not repointed")


async def plan_repoint(env: DomainEnv, fqdn: str) -> Plan:
    """Read the A and AAAA records and decide their new values; changes nothing."""
    provider = _provider(env)
    ipv4 = await public_ipv4(env.settings)
    before = {
        "A": await provider.get_records(fqdn, "A"),
        "AAAA": await provider.get_records(fqdn, "AAAA"),
    }
    plan = Plan(fqdn=fqdn, before=before, after={"A": [ipv4]})
    if before["AAAA"]:
        try:
            ipv6 = await public_ipv6(env.settings)
        except Exception as exc:
            # Nothing is written yet: better refuse than fix A and leave AAAA pointing away.
            raise Unreachable(
                f"{fqdn} has an AAAA record but the public IPv6 is unknown: {exc}"
            ) from exc
        if ipv6 is None:
            plan.kept.append("AAAA kept: public_ip is fixed and names no IPv6 address")
        else:
            plan.after["AAAA"] = [ipv6]
    return plan


def _describe(plan: Plan) -> str:
    lines = [
        f"{rtype} {plan.fqdn}: {', '.join(plan.before[rtype]) or 'none'} -> {', '.join(values)}"
        for rtype, values in plan.after.items()
    ]
    return "\n".join([*lines, *plan.kept]) + "\n"


async def _checked(args: FqdnArgs, deps: ToolDeps) -> FqdnArgs:
    """Refuse an unknown or inactive domain, or no DNS provider, before anyone approves."""
    domain = await _domain(_db(deps), args.fqdn)
    _repointable(domain)
    if deps.settings.domains.provider == "none":
        raise BadInput("DNS is not managed here (domains.provider is none): nothing to repoint")
    return FqdnArgs(fqdn=domain.fqdn)


async def _preview(args: FqdnArgs, deps: ToolDeps) -> str | None:
    async with _env(deps) as env:
        plan = await plan_repoint(env, normalise_fqdn(args.fqdn))
    if not plan.changes:
        return "the records already point at the public IP\n" + _describe(plan)
    return _describe(plan)


class RepointResult(ToolResult):
    """The address records of a domain before and after, and whether the server shows them."""

    fqdn: str
    before: dict[str, list[str]]
    after: dict[str, list[str]]
    changed: list[str] = Field(description="The record types that were rewritten.")
    propagation: list[str] = Field(description="What the authoritative servers answer now.")
    kept: list[str] = Field(description="Record types left as they were, and why.")


@family.tool(
    "repoint_dns",
    risk="write",
    resource="domain:{fqdn}",
    preview=_preview,
    canonical=_checked,
    description=(
        "Point an active domain's DNS A record (and its AAAA record, if it has one) at the "
        "current public IP through the configured DNS provider, wait until the authoritative "
        "server answers the new value, and record it in the domain's history."
    ),
)
async def repoint_dns(args: FqdnArgs, deps: ToolDeps) -> RepointResult:
    """Rewrite the address records that no longer hold the public IP."""
    db = _db(deps)
    domain = await _domain(db, args.fqdn)
    _repointable(domain)
    async with _env(deps) as env:
        plan = await plan_repoint(env, domain.fqdn)
        provider, ttl = _provider(env), env.settings.record_ttl
        for rtype, values in plan.changes.items():
            await provider.ensure_record(domain.fqdn, rtype, values, ttl)
        servers = env.authoritative()
        deadline = env.settings.propagation_deadline_seconds
        reports = [
            await wait_for(domain.fqdn, rtype, values, servers, deadline, first_delay=0.25)
            for rtype, values in plan.after.items()
            if servers
        ]
    records = {**domain.records, **plan.after}
    await update_domain(db, domain.id, DomainChanges(records=records))
    shown = not [r for r in reports if not r.done]
    changed = sorted(plan.changes)
    message = (
        f"DNS repointed to the public IP: {_describe(plan).strip()}"
        if changed
        else "DNS already pointed at the public IP"
    )
    data = {"before": plan.before, "after": plan.after, "changed": changed}
    await add_event(
        db,
        domain.id,
        NewEvent(
            category=EventCategory.DNS,
            message=message if shown else message + " (not yet answered by the server)",
            level=EventLevel.INFO if shown else EventLevel.WARNING,
            data=data,
        ),
    )
    if not shown:
        lagging = "; ".join(r.summary() for r in reports if not r.done)
        raise Unreachable(f"the records of {domain.fqdn} were written but {lagging}")
    return RepointResult(
        fqdn=domain.fqdn,
        before=plan.before,
        after=plan.after,
        changed=changed,
        propagation=[r.summary() for r in reports] or ["no authoritative server to ask"],
        kept=plan.kept,
    )
