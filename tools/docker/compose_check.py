"""Reading a Compose file someone shows Jarvis: its services, and what would bite in a homelab."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel, Field

from core.errors import BadInput
from tools.deps import ToolDeps
from tools.docker.base import family
from tools.registry import ToolArgs, ToolResult

RESTARTING = {"always", "unless-stopped", "on-failure"}


class CheckComposeArgs(ToolArgs):
    """The Compose file's text."""

    content: str = Field(min_length=1, max_length=256_000, description="The compose YAML.")


class ServiceSummary(BaseModel):
    """One service as the file declares it."""

    name: str
    image: str | None
    build: bool
    ports: list[str]
    volumes: list[str]
    restart: str | None
    healthcheck: bool


class CheckComposeResult(ToolResult):
    """The services a Compose file declares and the problems found in it."""

    services: list[ServiceSummary]
    volumes: list[str]
    networks: list[str]
    warnings: list[str]


def _short(value: Any) -> str:
    """A port or volume entry in its short form, whichever syntax the file used."""
    if isinstance(value, dict):
        if "published" in value or "target" in value:
            host = f"{value['host_ip']}:" if value.get("host_ip") else ""
            published = f"{value['published']}:" if value.get("published") else ""
            return f"{host}{published}{value.get('target', '')}"
        return f"{value.get('source', '')}:{value.get('target', '')}".strip(":")
    return str(value)


def _service(name: str, spec: Any) -> ServiceSummary:
    if not isinstance(spec, dict):
        raise BadInput(f"service {name!r} is not a mapping")
    check = spec.get("healthcheck")
    return ServiceSummary(
        name=name,
        image=str(spec["image"]) if spec.get("image") else None,
        build="build" in spec,
        ports=[_short(p) for p in spec.get("ports") or []],
        volumes=[_short(v) for v in spec.get("volumes") or []],
        restart=str(spec["restart"]) if spec.get("restart") else None,
        healthcheck=isinstance(check, dict) and not check.get("disable", False),
    )


def _warnings(service: ServiceSummary) -> list[str]:
    out = []
    if service.image and (
        ":" not in service.image.rsplit("/", 1)[-1] or service.image.endswith(":latest")
    ):
        out.append(
            f"{service.name}: image {service.image} has no fixed tag (updates arrive unannounced)"
        )
    if not service.image and not service.build:
        out.append(f"{service.name}: neither an image nor a build")
    for port in service.ports:
        if port.count(":") == 1 and not port.startswith("127."):
            out.append(f"{service.name}: port {port} is published on every interface")
    if service.restart not in RESTARTING:
        out.append(f"{service.name}: no restart policy, so it stays down after a crash or reboot")
    if not service.healthcheck:
        out.append(f"{service.name}: no health check, so 'running' is all Jarvis can tell")
    return out


def check(content: str) -> CheckComposeResult:
    """Parse a Compose file; a file that is not one is bad input with the reason."""
    try:
        doc = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise BadInput(f"this is not valid YAML: {str(exc).splitlines()[0]}") from None
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, dict) or not services:
        raise BadInput("this is not a Compose file: it has no 'services' mapping")
    summaries = [_service(str(name), spec) for name, spec in services.items()]
    return CheckComposeResult(
        services=summaries,
        volumes=sorted(str(v) for v in (doc.get("volumes") or {})),
        networks=sorted(str(n) for n in (doc.get("networks") or {})),
        warnings=[w for s in summaries for w in _warnings(s)],
    )


@family.tool(
    "check_compose_file",
    risk="read",
    resource="docker:compose",
    description="""
Read a Docker Compose file (its YAML text): the services with image, ports, volumes, restart
policy and health check, and warnings a homelab cares about (floating tags, ports open on every
interface, no restart policy, no health check). Nothing is started.
""",
)
async def check_compose_file(args: CheckComposeArgs, deps: ToolDeps) -> CheckComposeResult:
    """Summarise a Compose file and what in it would bite."""
    return check(args.content)
