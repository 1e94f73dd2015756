"""Finding a container by what people call it: its inspect document, real name and labels."""

from __future__ import annotations

import difflib
from typing import TypeVar

import docker

from core.errors import NotFound
from tools.deps import ToolDeps
from tools.docker.base import ContainerArgs
from tools.docker.client import Json, container_subject, run

A = TypeVar("A", bound=ContainerArgs)


def inspect_raw(client: docker.DockerClient, name: str) -> Json:
    """The engine's inspect document for container `name` (blocking)."""
    data: Json = client.api.inspect_container(name)
    return data


def _names(client: docker.DockerClient) -> list[str]:
    return [n.lstrip("/") for row in client.api.containers(all=True) for n in row["Names"]]


async def real_name(args: A, deps: ToolDeps) -> A:
    """The policy sees the container's real name, also when it was named by id or prefix; a
    name that does not exist is refused with the names it was probably meant to be."""
    try:
        data = await run(
            deps, lambda c: inspect_raw(c, args.name), container_subject(args.name), host=args.host
        )
    except NotFound as exc:
        close = difflib.get_close_matches(
            args.name, await run(deps, _names, host=args.host), n=3, cutoff=0.6
        )
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise NotFound(exc.message + hint) from None
    return args.model_copy(update={"name": str(data.get("Name") or args.name).lstrip("/")})


async def container_labels(args: ContainerArgs, deps: ToolDeps) -> dict[str, str]:
    """The container's labels, for rules that match on them (a gone container has none)."""
    try:
        data = await run(
            deps, lambda c: inspect_raw(c, args.name), container_subject(args.name), host=args.host
        )
    except NotFound:
        return {}
    return dict((data.get("Config") or {}).get("Labels") or {})
