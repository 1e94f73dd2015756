"""The engine as a whole: images and disk usage."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Literal

import docker
from pydantic import BaseModel, Field, StringConstraints

from tools.deps import ToolDeps
from tools.docker.base import family
from tools.docker.client import Json, parse_time, run, short_id
from tools.hosts.base import LOCAL, HostArgs, on_host
from tools.registry import ToolResult

Reference = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.:/@*-]{0,254}$")]


class ListImagesArgs(HostArgs):
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

    host: str = Field(default=LOCAL, description="The machine it is about (`local`: this one).")
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
    return on_host(await run(deps, lambda c: _images(c, args), host=args.host), args.host)


class DiskUsageArgs(HostArgs):
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

    host: str = Field(default=LOCAL, description="The machine it is about (`local`: this one).")
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
    df: Json = await run(deps, lambda c: c.api.df(), host=args.host)
    return on_host(_disk(df), args.host)
