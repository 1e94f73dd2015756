"""What the Docker tools share: the family, name types, container addressing, ports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from tools.hosts.base import HostArgs
from tools.registry import ToolFamily

family = ToolFamily("docker")

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
WORKING_DIR_LABEL = "com.docker.compose.project.working_dir"
CONFIG_FILES_LABEL = "com.docker.compose.project.config_files"
ONEOFF_LABEL = "com.docker.compose.oneoff"

NAME_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$"
ContainerName = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
ProjectName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,127}$")]
# `key` or `key=value`, as Docker's label filters take them.
LabelFilter = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,254}(=[^\s,]{0,255})?$")
]

Health = Literal["healthy", "unhealthy", "starting", "none"]
_HEALTH: dict[str, Health] = {
    "healthy": "healthy",
    "unhealthy": "unhealthy",
    "starting": "starting",
}


class ContainerArgs(HostArgs):
    """Arguments of a tool that acts on one container."""

    name: ContainerName = Field(description="Container name (as in `docker ps`) or id.")


class ContainerPort(BaseModel):
    """One container port and where it is published on the host (if it is)."""

    container_port: int
    protocol: str
    host_ip: str | None = None
    host_port: int | None = None


def health_of(state: dict[str, Any]) -> Health:
    """The health status in an inspect `State` ("none" without a healthcheck)."""
    status = (state.get("Health") or {}).get("Status")
    return _HEALTH.get(str(status), "none")


def ports_from_list(rows: list[dict[str, Any]] | None) -> list[ContainerPort]:
    """Ports from the list endpoint's `Ports` (deduplicated, sorted)."""
    found = {
        (
            int(p.get("PrivatePort") or 0),
            str(p.get("Type") or "tcp"),
            p.get("IP") or None,
            int(p["PublicPort"]) if p.get("PublicPort") else None,
        )
        for p in rows or []
    }
    return [_port(*row) for row in sorted(found, key=_port_key)]


def ports_from_inspect(settings: dict[str, Any] | None) -> list[ContainerPort]:
    """Ports from inspect's `NetworkSettings.Ports` mapping (`"80/tcp": [bindings]`)."""
    found: set[tuple[int, str, str | None, int | None]] = set()
    for key, bindings in (settings or {}).items():
        number, _, proto = str(key).partition("/")
        if not bindings:
            found.add((int(number), proto or "tcp", None, None))
        for b in bindings or []:
            host_port = b.get("HostPort")
            found.add(
                (
                    int(number),
                    proto or "tcp",
                    b.get("HostIp") or None,
                    int(host_port) if host_port else None,
                )
            )
    return [_port(*row) for row in sorted(found, key=_port_key)]


def _port(number: int, proto: str, host_ip: str | None, host_port: int | None) -> ContainerPort:
    return ContainerPort(
        container_port=number, protocol=proto, host_ip=host_ip, host_port=host_port
    )


def _port_key(row: tuple[int, str, str | None, int | None]) -> tuple[int, str, str, int]:
    return (row[0], row[1], row[2] or "", row[3] or 0)
