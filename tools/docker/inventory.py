"""Names of the containers that exist now, for resolving what a person typed (a plain read)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tools.deps import ToolDeps
from tools.docker.client import run


class ContainerRef(BaseModel):
    """A container as a name resolver needs it: its name, state, compose labels and ports."""

    name: str
    state: str | None = None
    project: str | None = None
    service: str | None = None
    ports: list[int] = Field(default=[], description="Its own TCP ports, lowest first.")


def _refs(row: dict[str, Any]) -> list[ContainerRef]:
    labels = row.get("Labels") or {}
    ports = sorted(
        {
            int(p["PrivatePort"])
            for p in row.get("Ports") or []
            if p.get("PrivatePort") and p.get("Type", "tcp") == "tcp"
        }
    )
    return [
        ContainerRef(
            name=str(name).lstrip("/"),
            state=row.get("State"),
            project=labels.get("com.docker.compose.project"),
            service=labels.get("com.docker.compose.service"),
            ports=ports,
        )
        for name in row.get("Names") or []
    ]


async def container_refs(deps: ToolDeps) -> list[ContainerRef]:
    """Every container (running or not) by name; typed errors when the engine is down."""
    rows = await run(deps, lambda client: client.api.containers(all=True))
    return sorted((ref for row in rows for ref in _refs(row)), key=lambda r: r.name)
