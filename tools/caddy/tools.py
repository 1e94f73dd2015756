"""The `caddy.*` tools: drift from the desired config, snapshots, importing a Caddyfile.

The desired config is a base plus one managed route per active domain, built the way the
domain workflows build it (`build_desired` with the same settings). Jarvis keeps no base
config of its own, so the reference for the parts it does not manage is the newest snapshot:
the config as Jarvis last saw it when it changed Caddy (snapshots are taken before every
change, and after the changes made here, which replace the base).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationError

from core.errors import BadInput
from memory.domain_models import DomainStatus
from memory.domains import list_domains
from tools.caddy.desired import ManagedSite, build_desired, drift, is_managed, render_diff
from tools.caddy.snapshots import Snapshot, apply
from tools.deps import ToolDeps
from tools.registry import ToolArgs, ToolFamily, ToolResult
from tools.workflows.caddy_sites import live_sites
from tools.workflows.domain_env import DomainEnv

family = ToolFamily("caddy")

MAX_DIFF_CHARS = 20_000
SnapshotId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^caddy-[0-9A-Za-z-]{1,80}\.json$"),
    Field(
        description="A snapshot id as caddy.list_snapshots shows it.",
        examples=["caddy-20250101T120000000000Z.json"],
    ),
]


@asynccontextmanager
async def _env(deps: ToolDeps) -> AsyncIterator[DomainEnv]:
    # A fresh environment per call: its HTTP client belongs to this call's event loop.
    async with DomainEnv.from_settings(deps.settings, deps.db) as env:
        yield env


def _clip(text: str) -> str:
    if len(text) <= MAX_DIFF_CHARS:
        return text
    return text[:MAX_DIFF_CHARS] + f"\n... ({len(text) - MAX_DIFF_CHARS} more characters)\n"


def _has_servers(config: Any) -> bool:
    servers = config.get("apps", {}).get("http", {}).get("servers") if config else None
    return bool(servers)


def _with_sites(env: DomainEnv, base: Any, sites: list[ManagedSite]) -> Any:
    """`base` with one managed route per site, as the domain workflows build it."""
    if not sites and not _has_servers(base):
        return base  # nothing to serve and nowhere to serve it: the base as it is
    return build_desired(
        base,
        sites,
        server=env.settings.caddy_server,
        stream_close_delay=env.settings.caddy_stream_close_delay,
    )


async def _active_sites(deps: ToolDeps) -> list[ManagedSite]:
    if deps.db is None:
        raise BadInput("caddy.drift needs the application database (the domains table)")
    sites = []
    for domain in await list_domains(deps.db, status=DomainStatus.ACTIVE):
        try:
            sites.append(ManagedSite(fqdn=domain.fqdn, upstream=domain.target))
        except ValidationError:
            raise BadInput(
                f"active domain {domain.fqdn} has a target Caddy cannot use: {domain.target!r}"
            ) from None
    return sites


class DriftArgs(ToolArgs):
    """No arguments: the whole config is compared."""


class RouteDrift(ToolResult):
    """One managed route that differs from what Jarvis wants."""

    route_id: str
    detail: str


class DriftResult(ToolResult):
    """How the live Caddy config strays from the desired one."""

    in_sync: bool
    active_domains: list[str]
    missing: list[RouteDrift]
    changed: list[RouteDrift]
    unexpected: list[RouteDrift]
    unmanaged_changed: bool
    unmanaged_reference: str | None = Field(
        description="The snapshot the unmanaged parts were compared with (None: no snapshot)."
    )
    unmanaged_diff: str


@family.tool(
    "drift",
    risk="read",
    resource="caddy:config",
    description=(
        "Compare Caddy's live config with the one Jarvis wants (one managed route per active "
        "domain): managed routes missing, changed or unexpected, and whether the parts Jarvis "
        "does not manage changed since the newest snapshot (with the diff)."
    ),
)
async def caddy_drift(args: DriftArgs, deps: ToolDeps) -> DriftResult:
    """Drift of the live config from the desired one."""
    sites = await _active_sites(deps)
    async with _env(deps) as env:
        live, _ = await env.caddy.get_config()
        snapshots = env.snapshots.list_snapshots()
        reference = snapshots[0] if snapshots else None
        base = reference.config if reference is not None else live
        found = drift(live, _with_sites(env, base or {}, sites), include_unmanaged=True)
    by_kind: dict[str, list[RouteDrift]] = {"missing": [], "changed": [], "unexpected": []}
    unmanaged = ""
    for item in found:
        if item.kind == "unmanaged":
            unmanaged = item.detail
        else:
            by_kind[item.kind].append(RouteDrift(route_id=item.target, detail=_clip(item.detail)))
    return DriftResult(
        in_sync=not found,
        active_domains=[s.fqdn for s in sites],
        missing=by_kind["missing"],
        changed=by_kind["changed"],
        unexpected=by_kind["unexpected"],
        unmanaged_changed=bool(unmanaged),
        unmanaged_reference=reference.name if reference is not None else None,
        unmanaged_diff=_clip(unmanaged),
    )


class ListSnapshotsArgs(ToolArgs):
    """How many snapshots to show."""

    limit: int = Field(default=50, ge=1, le=1000, description="The newest this many.")


class SnapshotView(ToolResult):
    """One saved Caddy config."""

    id: str
    taken_at: datetime
    etag: str | None
    size: int = Field(description="Size of the snapshot file in bytes.")
    reason: str


class SnapshotList(ToolResult):
    """Saved Caddy configs, newest first."""

    snapshots: list[SnapshotView]
    total: int

    def is_empty(self) -> bool:
        """No snapshot taken yet."""
        return not self.snapshots


def _snapshot_view(snap: Snapshot) -> SnapshotView:
    return SnapshotView(
        id=snap.name,
        taken_at=snap.taken_at,
        etag=snap.etag,
        size=snap.path.stat().st_size,
        reason=snap.reason,
    )


@family.tool(
    "list_snapshots",
    risk="read",
    resource="caddy:config",
    untrusted_output=False,  # Jarvis's own records
    description=(
        "List the snapshots of Caddy's config Jarvis took before (and after) its changes, "
        "newest first: id, time, Etag, size and why it was taken; ids are what "
        "caddy.restore_snapshot takes."
    ),
)
async def list_caddy_snapshots(args: ListSnapshotsArgs, deps: ToolDeps) -> SnapshotList:
    """The saved snapshots."""
    async with _env(deps) as env:
        snapshots = env.snapshots.list_snapshots()
    return SnapshotList(
        snapshots=[_snapshot_view(s) for s in snapshots[: args.limit]], total=len(snapshots)
    )


class RestoreSnapshotArgs(ToolArgs):
    """The snapshot to load again."""

    snapshot_id: SnapshotId


class ChangeResult(ToolResult):
    """A config change that took, and the snapshots around it."""

    changed: bool
    snapshot_before: str = Field(description="Restore this snapshot to undo the change.")
    snapshot_after: str
    managed_routes: list[str]


def _managed_ids(config: Any) -> list[str]:
    servers = config.get("apps", {}).get("http", {}).get("servers", {}) if config else {}
    return sorted(
        route["@id"]
        for server in (servers.values() if isinstance(servers, dict) else ())
        for route in server.get("routes", [])
        if is_managed(route)
    )


async def _known_snapshot(args: RestoreSnapshotArgs, deps: ToolDeps) -> RestoreSnapshotArgs:
    """An unknown snapshot is refused before anyone is asked to approve it."""
    async with _env(deps) as env:
        env.snapshots.get(args.snapshot_id)  # NotFound, which the gate makes bad input
    return args


async def _restore_preview(args: RestoreSnapshotArgs, deps: ToolDeps) -> str | None:
    async with _env(deps) as env:
        snap = env.snapshots.get(args.snapshot_id)
        live, _ = await env.caddy.get_config()
    head = f"restore snapshot {snap.name} taken {snap.taken_at.isoformat()}"
    head += f" ({snap.reason})\n" if snap.reason else "\n"
    diff = render_diff(live, snap.config)
    return head + (_clip(diff) if diff else "(the live config already equals this snapshot)\n")


@family.tool(
    "restore_snapshot",
    risk="write",
    resource="caddy:config",
    preview=_restore_preview,
    canonical=_known_snapshot,
    description=(
        "Load a saved snapshot of Caddy's config again, exactly as it was (managed routes "
        "included). The live config is snapshotted first and restored if loading fails."
    ),
)
async def restore_caddy_snapshot(args: RestoreSnapshotArgs, deps: ToolDeps) -> ChangeResult:
    """Load a snapshot through a snapshotted, verified change."""
    async with _env(deps) as env:
        snap = env.snapshots.get(args.snapshot_id)
        before = await apply(env.caddy, snap.config, env.snapshots, f"before restoring {snap.name}")
        after = await env.snapshots.take(env.caddy, f"restored {snap.name}")
    return ChangeResult(
        changed=before.config != snap.config,
        snapshot_before=before.name,
        snapshot_after=after.name,
        managed_routes=_managed_ids(after.config),
    )


class ImportCaddyfileArgs(ToolArgs):
    """The Caddyfile to make the new base config."""

    caddyfile: str = Field(
        min_length=1,
        max_length=256_000,
        description="The Caddyfile text (Caddy adapts it; Jarvis's managed routes are kept).",
        examples=[':8080 {\n\trespond "hello"\n}\n'],
    )


async def _imported(env: DomainEnv, caddyfile: str, live: Any) -> Any:
    """The adapted Caddyfile plus the managed routes the live config has."""
    base = await env.caddy.adapt(caddyfile)  # BadInput with Caddy's message when invalid
    if not isinstance(base, dict):
        raise BadInput("Caddy adapted the Caddyfile to no config")
    live_admin = (live or {}).get("admin")
    if "admin" not in base:
        if live_admin is not None:
            base["admin"] = live_admin  # Jarvis must still reach the admin API afterwards
    elif (base["admin"] or {}).get("listen") != (live_admin or {}).get("listen"):
        raise BadInput(
            f"the Caddyfile moves Caddy's admin API, which Jarvis reaches at "
            f"{env.caddy.base_url}; leave the admin option out of the Caddyfile"
        )
    return _with_sites(env, base, list(live_sites(live).values()))


async def _import_preview(args: ImportCaddyfileArgs, deps: ToolDeps) -> str | None:
    async with _env(deps) as env:
        live, _ = await env.caddy.get_config()
        desired = await _imported(env, args.caddyfile, live)
    kept = _managed_ids(desired)
    head = f"import a Caddyfile as the base config; keeps {len(kept)} managed route(s)"
    head += f": {', '.join(kept)}\n" if kept else "\n"
    diff = render_diff(live, desired)
    return head + (_clip(diff) if diff else "(the live config already equals it)\n")


@family.tool(
    "import_caddyfile",
    risk="write",
    resource="caddy:config",
    preview=_import_preview,
    description=(
        "Make a Caddyfile the new base of Caddy's config: Caddy adapts it to JSON, Jarvis "
        "adds back its managed domain routes and the admin endpoint, snapshots the live "
        "config, loads the result and rolls back if it does not take."
    ),
)
async def import_caddyfile(args: ImportCaddyfileArgs, deps: ToolDeps) -> ChangeResult:
    """Replace the base config with an adapted Caddyfile, keeping the managed routes."""
    async with _env(deps) as env:
        live, _ = await env.caddy.get_config()
        desired = await _imported(env, args.caddyfile, live)
        # `apply` loads with If-Match on its snapshot's Etag, so a concurrent change is a
        # Conflict; only one landing between the read above and that snapshot goes unseen.
        before = await apply(env.caddy, desired, env.snapshots, "before importing a Caddyfile")
        after = await env.snapshots.take(env.caddy, "imported a Caddyfile")
    return ChangeResult(
        changed=before.config != desired,
        snapshot_before=before.name,
        snapshot_after=after.name,
        managed_routes=_managed_ids(after.config),
    )
