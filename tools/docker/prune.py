"""Pruning: deleting unused containers, images, volumes, networks and build cache."""

from __future__ import annotations

import contextlib
import json

import docker
from pydantic import BaseModel, Field

from tools.deps import ToolDeps
from tools.docker import prune_plan
from tools.docker.base import family
from tools.docker.client import Json, post_json, run, short_id
from tools.docker.prune_args import ANONYMOUS, STOPPED, PruneArgs, PruneKind
from tools.hosts.base import LOCAL, on_host
from tools.registry import ToolResult

MAX_NAMES = 200


class PruneOutcome(BaseModel):
    """What one kind's prune removed."""

    kind: PruneKind
    count: int
    deleted: list[str] = Field(description=f"Names or ids (at most {MAX_NAMES}).")
    space_reclaimed_bytes: int


class PruneResult(ToolResult):
    """What was removed, per kind."""

    host: str = Field(default=LOCAL, description="The machine it is about (`local`: this one).")
    results: list[PruneOutcome]
    count: int
    space_reclaimed_bytes: int


_PATHS: dict[PruneKind, tuple[str, str]] = {
    "containers": ("/containers/prune", "ContainersDeleted"),
    "images": ("/images/prune", "ImagesDeleted"),
    "volumes": ("/volumes/prune", "VolumesDeleted"),
    "networks": ("/networks/prune", "NetworksDeleted"),
    "build_cache": ("/build/prune", "CachesDeleted"),
}


def _prune_one(client: docker.DockerClient, kind: PruneKind, args: PruneArgs) -> PruneOutcome:
    filters: dict[str, list[str]] = {}
    if args.label:
        filters["label"] = [args.label]
    if args.until:
        filters["until"] = [args.until]
    if kind == "images":
        filters["dangling"] = ["false" if args.all_images else "true"]
    path, key = _PATHS[kind]
    params = {"filters": json.dumps(filters)} if filters else None
    out: Json = post_json(client, path, params) or {}
    deleted = out.get(key) or []
    if kind == "images":  # entries are {"Untagged": ref} or {"Deleted": id}
        names = [short_id(str(x["Deleted"])) for x in deleted if "Deleted" in x]
    elif kind == "containers":
        names = [short_id(str(x)) for x in deleted]
    else:
        names = [str(x) for x in deleted]
    return PruneOutcome(
        kind=kind,
        count=len(names),
        deleted=names[:MAX_NAMES],
        space_reclaimed_bytes=int(out.get("SpaceReclaimed") or 0),
    )


def _stopped(client: docker.DockerClient, args: PruneArgs) -> list[Json]:
    filters: dict[str, object] = {"status": STOPPED}
    if args.label:
        filters["label"] = [args.label]
    if args.until:
        filters["until"] = [args.until]
    rows: list[Json] = client.api.containers(all=True, filters=filters)
    return rows


def _unused_anonymous_volumes(client: docker.DockerClient, args: PruneArgs) -> list[str]:
    filters: dict[str, object] = {"dangling": ["true"]}
    if args.label:
        filters["label"] = [args.label]
    rows: list[Json] = (client.api.volumes(filters=filters) or {}).get("Volumes") or []
    return sorted(str(v["Name"]) for v in rows if ANONYMOUS.match(str(v["Name"])))


def _remove_pinned_volumes(client: docker.DockerClient, names: list[str]) -> PruneOutcome:
    """Remove exactly the previewed volumes that are still unused."""
    still = {
        str(v["Name"])
        for v in (client.api.volumes(filters={"dangling": ["true"]}) or {}).get("Volumes") or []
    }
    removed: list[str] = []
    for name in names:
        if name not in still:
            continue  # in use again, or gone
        with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
            client.api.remove_volume(name)
            removed.append(name)
    return PruneOutcome(
        kind="volumes", count=len(removed), deleted=removed[:MAX_NAMES], space_reclaimed_bytes=0
    )


def _remove_pinned(client: docker.DockerClient, ids: list[str]) -> PruneOutcome:
    """Remove exactly the previewed containers that are still stopped."""
    still = {str(r["Id"]) for r in client.api.containers(all=True, filters={"status": STOPPED})}
    removed: list[str] = []
    for cid in ids:
        full = next((f for f in still if f.startswith(cid)), None)
        if full is None:
            continue  # gone, or running again: not ours to delete any more
        with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
            client.api.remove_container(full)
            removed.append(short_id(full))
    return PruneOutcome(
        kind="containers",
        count=len(removed),
        deleted=removed[:MAX_NAMES],
        space_reclaimed_bytes=0,
    )


def _prune(client: docker.DockerClient, args: PruneArgs) -> PruneResult:
    results = []
    for kind in args.what:
        if kind == "containers" and args.containers is not None:
            results.append(_remove_pinned(client, args.containers))
        elif kind == "volumes" and args.volumes is not None:
            results.append(_remove_pinned_volumes(client, args.volumes))
        else:
            results.append(_prune_one(client, kind, args))
    return PruneResult(
        results=results,
        count=sum(r.count for r in results),
        space_reclaimed_bytes=sum(r.space_reclaimed_bytes for r in results),
    )


def _plan(client: docker.DockerClient, args: PruneArgs) -> list[prune_plan.KindPlan]:
    volumes = args.volumes
    if "volumes" in args.what and volumes is None:
        volumes = _unused_anonymous_volumes(client, args)
    return prune_plan.plan(client, args, volumes or [])


async def _prune_preview(args: PruneArgs, deps: ToolDeps) -> str | None:
    kinds = await run(deps, lambda c: _plan(c, args), host=args.host)
    return prune_plan.describe(kinds)


async def _prune_precheck(args: PruneArgs, deps: ToolDeps) -> None:
    prune_plan.refuse_if_empty(await run(deps, lambda c: _plan(c, args), host=args.host))


async def _pin(args: PruneArgs, deps: ToolDeps) -> PruneArgs:
    """Pin the stopped containers and unused volumes seen now: the approval covers those."""
    update: dict[str, list[str]] = {}
    if "containers" in args.what and args.containers is None:
        rows = await run(deps, lambda c: _stopped(c, args), host=args.host)
        update["containers"] = sorted(short_id(str(r["Id"])) for r in rows)
    if "volumes" in args.what and args.volumes is None:
        update["volumes"] = await run(
            deps, lambda c: _unused_anonymous_volumes(c, args), host=args.host
        )
    return args.model_copy(update=update)


@family.tool(
    "prune",
    risk="destructive",
    resource="docker:prune",
    preview=_prune_preview,
    canonical=_pin,
    precheck=_prune_precheck,
    description="""
Free disk space by deleting unused Docker objects: stopped containers, untagged images (or all
unused images with all_images=true), unused anonymous volumes (their data is lost; named
volumes are never pruned: remove those by hand), unused networks and build cache; optionally
only those with a label or older than a duration. Check disk_usage first and prune only what
is needed.
""",
)
async def prune(args: PruneArgs, deps: ToolDeps) -> PruneResult:
    """Delete unused Docker objects of the chosen kinds."""
    return on_host(await run(deps, lambda c: _prune(c, args), host=args.host), args.host)
