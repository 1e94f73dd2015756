"""What a prune would remove, object by object, and about how much space it would free."""

from __future__ import annotations

import time

import docker
from pydantic import BaseModel

from core.errors import NothingToDo
from core.units import size
from tools.docker.client import Json, short_id
from tools.docker.prune_args import PruneArgs

SHOWN = 30  # objects named per kind in an approval; the rest are counted
DEFAULT_NETWORKS = {"bridge", "host", "none"}
_UNITS = {"s": 1, "m": 60, "h": 3600}


class Doomed(BaseModel):
    """One object a prune would remove."""

    name: str
    bytes: int = 0


class KindPlan(BaseModel):
    """The objects of one kind a prune would remove."""

    kind: str
    label: str
    items: list[Doomed]

    @property
    def bytes(self) -> int:
        """The space these objects take, as the engine counts it."""
        return sum(i.bytes for i in self.items)


def _untagged(image: Json) -> bool:
    tags = [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"]
    return not tags


def _matches(obj: Json, args: PruneArgs, now: float) -> bool:
    """The label and age filters the engine's prune applies."""
    if args.label:
        key, _, value = args.label.partition("=")
        labels = obj.get("Labels") or {}
        if key not in labels or (value and labels[key] != value):
            return False
    if args.until:
        age = int(args.until[:-1]) * _UNITS[args.until[-1]]
        if int(obj.get("Created") or 0) > now - age:
            return False
    return True


def _freed(image: Json) -> int:
    """Bytes an image frees: its own layers, not those it shares with other images."""
    total, shared = int(image.get("Size") or 0), int(image.get("SharedSize") or 0)
    return max(total - shared, 0) if shared > 0 else total


def _image_name(image: Json) -> str:
    tags = [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"]
    return tags[0] if tags else short_id(str(image.get("Id", "")))


def _images(df: Json, args: PruneArgs, now: float) -> KindPlan:
    rows = [
        i
        for i in df.get("Images") or []
        if int(i.get("Containers") or 0) <= 0
        and (args.all_images or _untagged(i))
        and _matches(i, args, now)
    ]
    items = [Doomed(name=_image_name(i), bytes=_freed(i)) for i in rows]
    label = "unused images" if args.all_images else "untagged (dangling) images"
    return KindPlan(kind="images", label=label, items=items)


def _containers(df: Json, args: PruneArgs, now: float) -> KindPlan:
    wanted = set(args.containers) if args.containers is not None else None
    items = []
    for c in df.get("Containers") or []:
        cid = short_id(str(c.get("Id", "")))
        if c.get("State") not in ("exited", "created", "dead") or not _matches(c, args, now):
            continue
        if wanted is not None and cid not in wanted:
            continue
        name = str((c.get("Names") or [cid])[0]).lstrip("/")
        items.append(Doomed(name=name, bytes=max(int(c.get("SizeRw") or 0), 0)))
    return KindPlan(kind="containers", label="stopped containers", items=items)


def _volumes(df: Json, names: list[str]) -> KindPlan:
    sizes = {
        str(v.get("Name")): max(int((v.get("UsageData") or {}).get("Size") or 0), 0)
        for v in df.get("Volumes") or []
    }
    items = [Doomed(name=n[:12], bytes=sizes.get(n, 0)) for n in names]
    return KindPlan(kind="volumes", label="unused anonymous volumes", items=items)


def _networks(client: docker.DockerClient, args: PruneArgs, now: float) -> KindPlan:
    used = {
        str(net.get("NetworkID"))
        for c in client.api.containers(all=True)
        for net in ((c.get("NetworkSettings") or {}).get("Networks") or {}).values()
    }
    items = []
    for n in client.api.networks() or []:
        if n.get("Name") in DEFAULT_NETWORKS or n.get("Id") in used:
            continue
        created = str(n.get("Created") or "")
        stamp = time.mktime(time.strptime(created[:19], "%Y-%m-%dT%H:%M:%S")) if created else 0
        if _matches({"Labels": n.get("Labels"), "Created": stamp}, args, now):
            items.append(Doomed(name=str(n.get("Name"))))
    return KindPlan(kind="networks", label="unused networks", items=items)


def _build_cache(df: Json) -> KindPlan:
    items = [
        Doomed(name=str(b.get("ID", ""))[:12], bytes=int(b.get("Size") or 0))
        for b in df.get("BuildCache") or []
        if not b.get("InUse") and not b.get("Shared")
    ]
    return KindPlan(kind="build_cache", label="build cache entries", items=items)


def plan(client: docker.DockerClient, args: PruneArgs, volumes: list[str]) -> list[KindPlan]:
    """Per kind asked for, the objects the prune would remove now."""
    df: Json = client.api.df()
    now = time.time()
    out = []
    for kind in args.what:
        if kind == "images":
            out.append(_images(df, args, now))
        elif kind == "containers":
            out.append(_containers(df, args, now))
        elif kind == "volumes":
            out.append(_volumes(df, volumes))
        elif kind == "networks":
            out.append(_networks(client, args, now))
        else:
            out.append(_build_cache(df))
    return out


def describe(kinds: list[KindPlan]) -> str:
    """The approval's preview: every object named (up to a limit) with its size, and the total."""
    total = sum(k.bytes for k in kinds)
    lines = [
        f"Would remove {sum(len(k.items) for k in kinds)} object(s), freeing up to {size(total)}:"
    ]
    for k in kinds:
        if not k.items:
            lines.append(f"- {k.label}: none")
            continue
        lines.append(f"- {len(k.items)} {k.label} ({size(k.bytes)}):")
        for item in sorted(k.items, key=lambda i: -i.bytes)[:SHOWN]:
            lines.append(f"    {item.name}" + (f" ({size(item.bytes)})" if item.bytes else ""))
        if len(k.items) > SHOWN:
            lines.append(f"    ... and {len(k.items) - SHOWN} more")
    lines.append("Kept: running containers, images a container uses, named volumes.")
    return "\n".join(lines)


def refuse_if_empty(kinds: list[KindPlan]) -> None:
    """Nothing to remove is said plainly; nobody is asked to approve an empty prune."""
    if any(k.items for k in kinds):
        return
    labels = ", ".join(k.label for k in kinds)
    raise NothingToDo(f"Nothing to clean up: no {labels} to remove.")
