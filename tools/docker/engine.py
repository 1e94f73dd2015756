"""The engine as a whole: images, disk usage, pruning."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Literal

import docker
from pydantic import BaseModel, Field, StringConstraints, model_validator

from tools.deps import ToolDeps
from tools.docker.base import LabelFilter, family
from tools.docker.client import Json, parse_time, run, short_id
from tools.registry import ToolArgs, ToolResult

MAX_NAMES = 200
Reference = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.:/@*-]{0,254}$")]


class ListImagesArgs(ToolArgs):
    """Which images to list."""

    dangling: bool | None = Field(
        default=None, description="true: only untagged leftovers; false: only tagged images."
    )
    reference: Reference | None = Field(
        default=None, description="Only images matching this name pattern, e.g. 'postgres*'."
    )


class ImageSummary(BaseModel):
    """One local image."""

    id: str
    tags: list[str]
    dangling: bool
    size_bytes: int
    created: datetime | None
    containers: int = Field(description="Containers (running or not) created from it.")


class ListImagesResult(ToolResult):
    """Local images, largest first."""

    images: list[ImageSummary]
    total_size_bytes: int

    def is_empty(self) -> bool:
        """No image matched."""
        return not self.images


def _images(client: docker.DockerClient, args: ListImagesArgs) -> ListImagesResult:
    filters: dict[str, object] = {}
    if args.dangling is not None:
        filters["dangling"] = args.dangling
    if args.reference:
        filters["reference"] = args.reference
    rows: list[Json] = client.api.images(filters=filters or None)
    used = Counter(str(c.get("ImageID")) for c in client.api.containers(all=True))
    images = [
        ImageSummary(
            id=short_id(str(r["Id"])),
            tags=[t for t in r.get("RepoTags") or [] if t != "<none>:<none>"],
            dangling=not [t for t in r.get("RepoTags") or [] if t != "<none>:<none>"],
            size_bytes=int(r.get("Size") or 0),
            created=parse_time(r.get("Created")),
            containers=used.get(str(r["Id"]), 0),
        )
        for r in rows
    ]
    images.sort(key=lambda i: (-i.size_bytes, i.tags))
    return ListImagesResult(images=images, total_size_bytes=sum(i.size_bytes for i in images))


@family.tool(
    "list_images",
    risk="read",
    resource="docker:images",
    description="""
List local Docker images with tags, size, age and how many containers use each. Use it to see
which image versions are present, or which unused images take space before pruning.
""",
)
async def list_images(args: ListImagesArgs, deps: ToolDeps) -> ListImagesResult:
    """List local images."""
    return await run(deps, lambda c: _images(c, args))


class DiskUsageArgs(ToolArgs):
    """No arguments."""


class DiskCategory(BaseModel):
    """Space one kind of object takes."""

    count: int
    active: int = Field(description="How many are in use.")
    size_bytes: int
    reclaimable_bytes: int = Field(description="What a prune of unused ones could free.")


class DiskItem(BaseModel):
    """One large object."""

    kind: Literal["image", "container", "volume"]
    name: str
    size_bytes: int
    in_use: bool


class DiskUsageResult(ToolResult):
    """Docker's disk use (like `docker system df`), with the largest objects."""

    images: DiskCategory
    containers: DiskCategory
    volumes: DiskCategory
    build_cache: DiskCategory
    total_size_bytes: int
    total_reclaimable_bytes: int
    largest: list[DiskItem]


def _disk(df: Json) -> DiskUsageResult:
    images: list[Json] = df.get("Images") or []
    used_images = [i for i in images if int(i.get("Containers") or 0) > 0]
    layers = int(df.get("LayersSize") or 0)
    in_use = sum(
        max(int(i.get("Size") or 0) - max(int(i.get("SharedSize") or 0), 0), 0) for i in used_images
    )
    cons: list[Json] = df.get("Containers") or []
    vols: list[Json] = df.get("Volumes") or []
    cache: list[Json] = df.get("BuildCache") or []

    def vsize(v: Json) -> int:
        return max(int((v.get("UsageData") or {}).get("Size") or 0), 0)

    def vrefs(v: Json) -> int:
        return int((v.get("UsageData") or {}).get("RefCount") or 0)

    cats = {
        "images": DiskCategory(
            count=len(images),
            active=len(used_images),
            size_bytes=layers,
            reclaimable_bytes=max(layers - in_use, 0),
        ),
        "containers": DiskCategory(
            count=len(cons),
            active=sum(1 for c in cons if c.get("State") == "running"),
            size_bytes=sum(int(c.get("SizeRw") or 0) for c in cons),
            reclaimable_bytes=sum(
                int(c.get("SizeRw") or 0) for c in cons if c.get("State") != "running"
            ),
        ),
        "volumes": DiskCategory(
            count=len(vols),
            active=sum(1 for v in vols if vrefs(v) > 0),
            size_bytes=sum(vsize(v) for v in vols),
            reclaimable_bytes=sum(vsize(v) for v in vols if vrefs(v) == 0),
        ),
        "build_cache": DiskCategory(
            count=len(cache),
            active=sum(1 for b in cache if b.get("InUse")),
            size_bytes=sum(int(b.get("Size") or 0) for b in cache),
            reclaimable_bytes=sum(
                int(b.get("Size") or 0) for b in cache if not b.get("InUse") and not b.get("Shared")
            ),
        ),
    }
    largest = [
        DiskItem(
            kind="image",
            name=((i.get("RepoTags") or [None])[0] or short_id(str(i.get("Id")))),
            size_bytes=int(i.get("Size") or 0),
            in_use=int(i.get("Containers") or 0) > 0,
        )
        for i in images
    ]
    largest += [
        DiskItem(kind="volume", name=str(v.get("Name")), size_bytes=vsize(v), in_use=vrefs(v) > 0)
        for v in vols
    ]
    largest += [
        DiskItem(
            kind="container",
            name=str((c.get("Names") or ["?"])[0]).lstrip("/"),
            size_bytes=int(c.get("SizeRw") or 0),
            in_use=c.get("State") == "running",
        )
        for c in cons
    ]
    largest.sort(key=lambda d: -d.size_bytes)
    return DiskUsageResult(
        **cats,
        total_size_bytes=sum(c.size_bytes for c in cats.values()),
        total_reclaimable_bytes=sum(c.reclaimable_bytes for c in cats.values()),
        largest=largest[:10],
    )


@family.tool(
    "disk_usage",
    risk="read",
    resource="docker:disk",
    description="""
Show how much disk Docker uses for images, containers, volumes and build cache, what a prune
could reclaim, and the largest objects. Use it when the disk is filling up, before pruning.
""",
)
async def disk_usage(args: DiskUsageArgs, deps: ToolDeps) -> DiskUsageResult:
    """Docker disk usage by category, with the largest objects."""
    df: Json = await run(deps, lambda c: c.api.df())
    return _disk(df)


PruneKind = Literal["containers", "images", "volumes", "networks", "build_cache"]
Until = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,5}[smh]$")]


class PruneArgs(ToolArgs):
    """What to prune and which of it."""

    what: list[PruneKind] = Field(
        min_length=1,
        description="Kinds to prune: containers (stopped), images, volumes "
        "(unused), networks (unused), build_cache.",
    )
    all_images: bool = Field(
        default=False, description="Images: every unused image, not only untagged (dangling)."
    )
    label: LabelFilter | None = Field(
        default=None, description="Only objects with this label ('key' or 'key=value')."
    )
    until: Until | None = Field(
        default=None, description="Only objects created longer ago than this, e.g. '24h'."
    )

    @model_validator(mode="after")
    def _consistent(self) -> PruneArgs:
        if len(set(self.what)) != len(self.what):
            raise ValueError("each kind may be named once in 'what'")
        if self.label and "build_cache" in self.what:
            raise ValueError("build cache has no labels: prune it in a call without 'label'")
        if self.until and "volumes" in self.what:
            raise ValueError("volumes cannot be filtered by age: prune them without 'until'")
        return self


class PruneOutcome(BaseModel):
    """What one kind's prune removed."""

    kind: PruneKind
    count: int
    deleted: list[str] = Field(description=f"Names or ids (at most {MAX_NAMES}).")
    space_reclaimed_bytes: int


class PruneResult(ToolResult):
    """What was removed, per kind."""

    results: list[PruneOutcome]
    count: int
    space_reclaimed_bytes: int


def _prune_one(client: docker.DockerClient, kind: PruneKind, args: PruneArgs) -> PruneOutcome:
    filters: dict[str, object] = {}
    if args.label:
        filters["label"] = args.label
    if args.until:
        filters["until"] = args.until
    api = client.api
    names: list[str]
    if kind == "containers":
        out: Json = api.prune_containers(filters=filters)
        names = [short_id(x) for x in out.get("ContainersDeleted") or []]
    elif kind == "images":
        out = api.prune_images(filters={**filters, "dangling": not args.all_images})
        names = [
            short_id(str(x["Deleted"])) for x in out.get("ImagesDeleted") or [] if "Deleted" in x
        ]
    elif kind == "volumes":
        out = api.prune_volumes(filters=filters)
        names = [str(x) for x in out.get("VolumesDeleted") or []]
    elif kind == "networks":
        out = api.prune_networks(filters=filters)
        names = [str(x) for x in out.get("NetworksDeleted") or []]
    else:
        out = api.prune_builds(filters=filters or None)
        names = [str(x) for x in out.get("CachesDeleted") or []]
    return PruneOutcome(
        kind=kind,
        count=len(names),
        deleted=names[:MAX_NAMES],
        space_reclaimed_bytes=int(out.get("SpaceReclaimed") or 0),
    )


def _prune(client: docker.DockerClient, args: PruneArgs) -> PruneResult:
    results = [_prune_one(client, kind, args) for kind in args.what]
    return PruneResult(
        results=results,
        count=sum(r.count for r in results),
        space_reclaimed_bytes=sum(r.space_reclaimed_bytes for r in results),
    )


def _prune_plan(client: docker.DockerClient, args: PruneArgs) -> str:
    lines = [
        f"prune {', '.join(args.what)}"
        + (f" with label {args.label}" if args.label else "")
        + (f" older than {args.until}" if args.until else "")
    ]
    if "containers" in args.what:
        filters: dict[str, object] = {"status": ["exited", "created", "dead"]}
        if args.label:
            filters["label"] = [args.label]
        rows: list[Json] = client.api.containers(all=True, filters=filters)
        names = sorted(str((r.get("Names") or ["?"])[0]).lstrip("/") for r in rows)
        lines.append(f"stopped containers ({len(names)}): {', '.join(names[:30]) or 'none'}")
    if "images" in args.what:
        kind = "unused images" if args.all_images else "untagged (dangling) images"
        lines.append(f"{kind} are removed" + ("" if args.all_images else " only"))
    return "\n".join(lines)


async def _prune_preview(args: PruneArgs, deps: ToolDeps) -> str | None:
    return await run(deps, lambda c: _prune_plan(c, args))


@family.tool(
    "prune",
    risk="destructive",
    resource="docker:prune",
    preview=_prune_preview,
    description="""
Free disk space by deleting unused Docker objects: stopped containers, untagged images (or all
unused images with all_images=true), unused volumes (their data is lost), unused networks and
build cache; optionally only those with a label or older than a duration. Check disk_usage
first and prune only what is needed.
""",
)
async def prune(args: PruneArgs, deps: ToolDeps) -> PruneResult:
    """Delete unused Docker objects of the chosen kinds."""
    return await run(deps, lambda c: _prune(c, args))
