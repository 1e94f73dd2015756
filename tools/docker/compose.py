"""Docker Compose projects, as the labels on their containers describe them."""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

import docker
from pydantic import BaseModel, Field

from tools.deps import ToolDeps
from tools.docker.base import (
    CONFIG_FILES_LABEL,
    ONEOFF_LABEL,
    PROJECT_LABEL,
    SERVICE_LABEL,
    WORKING_DIR_LABEL,
    Health,
    ProjectName,
    family,
)
from tools.docker.client import Json, run
from tools.hosts.base import LOCAL, HostArgs, on_host
from tools.registry import ToolResult


class ListComposeProjectsArgs(HostArgs):
    """Which projects to list."""

    project: ProjectName | None = Field(default=None, description="Only this project.")


class ComposeContainer(BaseModel):
    """A container of a Compose service."""

    name: str
    state: str
    status: str
    health: Health


class ComposeService(BaseModel):
    """A Compose service and its containers."""

    name: str
    running: int
    containers: list[ComposeContainer]


class ComposeProject(BaseModel):
    """A Docker Compose project, as its containers' labels describe it."""

    name: str
    status: Literal["running", "partial", "stopped"]
    working_dir: str | None
    config_files: list[str]
    services: list[ComposeService]


class ListComposeProjectsResult(ToolResult):
    """Compose projects found on the engine."""

    host: str = Field(default=LOCAL, description="The machine it is about (`local`: this one).")
    projects: list[ComposeProject]

    def is_empty(self) -> bool:
        """No Compose-managed container exists."""
        return not self.projects


def _health_from_status(status: str) -> Health:
    if "(healthy)" in status:
        return "healthy"
    if "(unhealthy)" in status:
        return "unhealthy"
    if "health: starting" in status:
        return "starting"
    return "none"


def _projects(client: docker.DockerClient, args: ListComposeProjectsArgs) -> list[ComposeProject]:
    label = f"{PROJECT_LABEL}={args.project}" if args.project else PROJECT_LABEL
    rows: list[Json] = client.api.containers(all=True, filters={"label": [label]})
    by_project: dict[str, list[Json]] = defaultdict(list)
    for row in rows:
        if (row.get("Labels") or {}).get(ONEOFF_LABEL) != "True":
            by_project[row["Labels"][PROJECT_LABEL]].append(row)
    projects = []
    for name, members in sorted(by_project.items()):
        services: dict[str, list[ComposeContainer]] = defaultdict(list)
        for row in members:
            status = str(row.get("Status") or "")
            services[str(row["Labels"].get(SERVICE_LABEL) or "?")].append(
                ComposeContainer(
                    name=str((row.get("Names") or ["?"])[0]).lstrip("/"),
                    state=str(row.get("State") or "unknown"),
                    status=status,
                    health=_health_from_status(status),
                )
            )
        labels: dict[str, str] = members[0].get("Labels") or {}
        running = sum(1 for m in members if m.get("State") == "running")
        files = labels.get(CONFIG_FILES_LABEL)
        projects.append(
            ComposeProject(
                name=name,
                status="stopped"
                if not running
                else "running"
                if running == len(members)
                else "partial",
                working_dir=labels.get(WORKING_DIR_LABEL),
                config_files=[f for f in (files or "").split(",") if f],
                services=[
                    ComposeService(
                        name=svc,
                        running=sum(1 for c in cs if c.state == "running"),
                        containers=sorted(cs, key=lambda c: c.name),
                    )
                    for svc, cs in sorted(services.items())
                ],
            )
        )
    return projects


@family.tool(
    "list_compose_projects",
    risk="read",
    resource="docker:compose",
    description="""
List Docker Compose projects (from container labels): each project's folder and compose files,
its services and their containers with state and health. Use it to see which app stacks run
and which service of a stack is down.
""",
)
async def list_compose_projects(
    args: ListComposeProjectsArgs, deps: ToolDeps
) -> ListComposeProjectsResult:
    """Compose projects with their services and containers."""
    found = await run(deps, lambda c: _projects(c, args), host=args.host)
    return on_host(ListComposeProjectsResult(projects=found), args.host)
