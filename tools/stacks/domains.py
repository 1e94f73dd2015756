"""The domains a stack serves and their health check, part of a deploy's health gate.

A domain belongs to a stack when its upstream (`host:port`) reaches one of the stack's
containers: a port the stack publishes on this machine (the host being loopback, localhost,
host.docker.internal or the address it is published on), or a container or service name of the
stack with a port the container listens on (Caddy on the same Docker network)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import docker
from pydantic import BaseModel

from memory.domain_models import DomainStatus
from memory.domains import Domain, list_domains
from tools.deps import ToolDeps
from tools.docker.base import ONEOFF_LABEL, PROJECT_LABEL, SERVICE_LABEL
from tools.docker.client import run
from tools.netcheck.health import HealthTarget, sweep
from tools.stacks.repo import Stack

LOCAL_HOSTS = {"localhost", "host.docker.internal", "0.0.0.0", "::", "::1"}  # noqa: S104
# Judged by the HTTPS answer through Caddy alone: degraded is slow but serving, and unchecked
# (a certificate Caddy has not got right, so no request was made) or a DNS answer elsewhere is
# not something a deploy of the stack caused or could fix by going back.
PASSING = {"healthy", "degraded", "unchecked"}


class StackDomain(BaseModel):
    """A domain the stack serves and the service behind it."""

    fqdn: str
    target: str
    service: str
    container: str


class DomainVerdict(BaseModel):
    """One domain's last health check during a deploy."""

    fqdn: str
    service: str
    container: str
    classification: str
    reasons: list[str]

    @property
    def ok(self) -> bool:
        """Serving (healthy, or merely degraded)."""
        return self.classification in PASSING


def _split(target: str) -> tuple[str, int] | None:
    host, sep, port = target.strip().rpartition(":")
    if not sep or not port.isdigit():
        return None
    return host.strip("[]").lower(), int(port)


def _endpoints(client: docker.DockerClient, project: str) -> list[tuple[str, str, str, int]]:
    """(service, container, host the target may name, port) for each way in to the stack."""
    rows = client.api.containers(filters={"label": [f"{PROJECT_LABEL}={project}"]})
    found: list[tuple[str, str, str, int]] = []
    for row in rows:
        labels = row.get("Labels") or {}
        if labels.get(ONEOFF_LABEL) == "True":
            continue
        service = str(labels.get(SERVICE_LABEL) or "?")
        name = str((row.get("Names") or ["?"])[0]).lstrip("/")
        for port in row.get("Ports") or []:
            inner = int(port.get("PrivatePort") or 0)
            found += [(service, name, name, inner), (service, name, service, inner)]
            if port.get("PublicPort"):
                outer = int(port["PublicPort"])
                hosts = {*LOCAL_HOSTS, str(port.get("IP") or "")}
                found += [(service, name, h.lower(), outer) for h in hosts if h]
    return found


def _is_loopback(host: str) -> bool:
    return host.startswith("127.")


async def stack_domains(deps: ToolDeps, stack: Stack) -> list[StackDomain]:
    """The active domains whose upstream is one of the stack's running containers."""
    if deps.db is None:
        return []  # no application database: no domains to check
    domains: list[Domain] = await list_domains(deps.db, status=DomainStatus.ACTIVE)
    if not domains:
        return []
    ways: list[Any] = await run(deps, lambda c: _endpoints(c, stack.project))
    mine: list[StackDomain] = []
    for domain in domains:
        split = _split(domain.target)
        if split is None:
            continue
        host, port = split
        for service, container, way_host, way_port in ways:
            local = _is_loopback(host) and way_host in LOCAL_HOSTS
            if way_port == port and (host == way_host or local):
                mine.append(
                    StackDomain(
                        fqdn=domain.fqdn, target=domain.target, service=service, container=container
                    )
                )
                break
    return mine


async def check(deps: ToolDeps, domains: list[StackDomain]) -> list[DomainVerdict]:
    """One health check of each domain through Caddy (as domains.health does it); the verdict
    is its HTTPS answer's."""
    cfg = deps.settings.domains
    resolver = {"nameserver": cfg.resolvers[0]} if cfg.resolvers else {}
    targets = [
        HealthTarget(
            domain=d.fqdn,
            port=cfg.https_port,
            connect_address=cfg.https_connect_address,
            ca_bundle=cfg.ca_bundle,
            timeout=min(5.0, deps.settings.stacks.healthy_seconds),
            **resolver,
        )
        for d in domains
    ]
    reports = await sweep(targets)
    return [
        DomainVerdict(
            fqdn=d.fqdn,
            service=d.service,
            container=d.container,
            classification=r.https.classification or "unchecked",
            reasons=[r.https.detail],
        )
        for d, r in zip(domains, reports, strict=True)
    ]


async def wait_serving(
    deps: ToolDeps, stack: Stack, deadline: float
) -> tuple[bool, list[DomainVerdict]]:
    """Wait (until the monotonic `deadline`) for every domain of the stack to pass its check;
    True at once when it serves none."""
    domains = await stack_domains(deps, stack)
    if not domains:
        return True, []
    while True:
        verdicts = await check(deps, domains)
        if all(v.ok for v in verdicts):
            return True, verdicts
        if time.monotonic() >= deadline:
            return False, verdicts
        await asyncio.sleep(deps.settings.stacks.poll_seconds)
