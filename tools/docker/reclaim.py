"""Reclaiming disk space safely: build cache and untagged images only."""

from __future__ import annotations

import docker
from pydantic import Field

from tools.deps import ToolDeps
from tools.docker import prune_plan
from tools.docker.base import family
from tools.docker.client import run
from tools.docker.prune import PruneOutcome, _prune_one
from tools.docker.prune_args import PruneArgs
from tools.hosts.base import LOCAL, HostArgs, on_host
from tools.registry import ToolResult

# Untagged images only (dangling=true): a tagged image could be the only copy of what a
# container is recreated from, and the engine never prunes an image a container uses.
_SAFE = PruneArgs(what=["build_cache", "images"], all_images=False)


class ReclaimSpaceArgs(HostArgs):
    """No arguments: what is removed is fixed."""


class ReclaimSpaceResult(ToolResult):
    """What was removed and the bytes freed."""

    host: str = Field(default=LOCAL, description="The machine it is about (`local`: this one).")
    build_cache: PruneOutcome
    dangling_images: PruneOutcome
    space_reclaimed_bytes: int = Field(description="Bytes freed, as the engine counts them.")


def _reclaim(client: docker.DockerClient) -> ReclaimSpaceResult:
    cache = _prune_one(client, "build_cache", _SAFE)
    images = _prune_one(client, "images", _SAFE)
    return ReclaimSpaceResult(
        build_cache=cache,
        dangling_images=images,
        space_reclaimed_bytes=cache.space_reclaimed_bytes + images.space_reclaimed_bytes,
    )


async def _preview(args: ReclaimSpaceArgs, deps: ToolDeps) -> str | None:
    kinds = await run(deps, lambda c: prune_plan.plan(c, _SAFE, []), host=args.host)
    return prune_plan.describe(kinds)


async def _precheck(args: ReclaimSpaceArgs, deps: ToolDeps) -> None:
    prune_plan.refuse_if_empty(
        await run(deps, lambda c: prune_plan.plan(c, _SAFE, []), host=args.host)
    )


@family.tool(
    "reclaim_space",
    risk="write",
    resource="docker:prune",
    preview=_preview,
    precheck=_precheck,
    description="""
Free disk space on the Docker host without losing anything: removes only the build cache and
dangling (untagged) images that no container uses. Nothing a container uses or could be
recreated from a tag is touched; containers, volumes and networks are kept. Reports the bytes
freed. Use it when Docker's disk is filling up; for more, see disk_usage and prune.
""",
)
async def reclaim_space(args: ReclaimSpaceArgs, deps: ToolDeps) -> ReclaimSpaceResult:
    """Remove build cache and untagged images, reporting the bytes freed."""
    return on_host(await run(deps, _reclaim, host=args.host), args.host)
