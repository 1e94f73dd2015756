"""`caddy.reconcile`: put Jarvis's managed routes in Caddy's live config back as they should be.

The desired config is the live one with exactly one managed route per active domain; routes
of domains a workflow is changing right now are left as they are, and everything Jarvis does
not manage stays untouched. Restoring a snapshot would also undo unmanaged changes made since
it was taken, and there may be none that fits, so the repair is computed from the live config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field, ValidationError

from core.errors import BadInput
from core.settings import Settings
from memory.db import Database
from memory.domain_models import DomainStatus
from memory.domains import list_domains
from tools.caddy.desired import Difference, ManagedSite, drift, render_diff
from tools.caddy.snapshots import apply
from tools.caddy.tools import _clip, _env, _has_servers, _managed_ids, _with_sites
from tools.deps import ToolDeps
from tools.registry import ToolArgs, ToolFamily, ToolResult
from tools.workflows.caddy_sites import live_sites
from tools.workflows.domain_env import DomainEnv

family = ToolFamily("caddy")
# A workflow under way adds or removes its route itself; reconciling must not race it.
IN_FLIGHT = (DomainStatus.PROVISIONING, DomainStatus.DEPROVISIONING)


@dataclass(frozen=True)
class Reconciliation:
    """The live config, the one Jarvis wants, and how the managed routes differ."""

    live: Any
    desired: Any
    differences: list[Difference]
    managed_domains: int  # active and in-flight domains
    base: str  # "live", or the snapshot the base came from


def caddy_env(settings: Settings, db: Database | None) -> DomainEnv:
    """A domain environment for reading Caddy only (no DNS provider is built)."""
    domains = settings.domains.model_copy(update={"provider": "none"})
    return DomainEnv.from_settings(settings.model_copy(update={"domains": domains}), db)


async def reconciliation(env: DomainEnv, db: Database) -> Reconciliation:
    """Compare the live config's managed routes with the desired ones (Unreachable if down)."""
    domains = await list_domains(db)
    active: dict[str, ManagedSite] = {}
    for domain in domains:
        if domain.status != DomainStatus.ACTIVE:
            continue
        try:
            active[domain.fqdn] = ManagedSite(fqdn=domain.fqdn, upstream=domain.target)
        except ValidationError:
            raise BadInput(
                f"active domain {domain.fqdn} has a target Caddy cannot use: {domain.target!r}"
            ) from None
    in_flight = {d.fqdn for d in domains if d.status in IN_FLIGHT}
    live, _ = await env.caddy.get_config()
    live = live or {}
    kept = {f: s for f, s in live_sites(live).items() if f in in_flight and f not in active}
    sites = [*active.values(), *kept.values()]
    base, source = live, "live"
    if sites and not _has_servers(live):
        # Caddy lost its config (restarted empty): the newest snapshot that had servers is
        # the base Jarvis last saw.
        fitting = [s for s in env.snapshots.list_snapshots() if _has_servers(s.config)]
        if not fitting:
            raise BadInput(
                f"Caddy runs no HTTP server while {len(active)} domain(s) are active, and no "
                "snapshot has one to rebuild from"
            )
        base, source = fitting[0].config, fitting[0].name
    desired = _with_sites(env, base, sites)
    return Reconciliation(
        live=live,
        desired=desired,
        differences=drift(live, desired),
        managed_domains=len(active) + len(in_flight),
        base=source,
    )


class ReconcileArgs(ToolArgs):
    """No arguments: every managed route is put right."""


class ReconcileResult(ToolResult):
    """What reconciling changed, and the snapshots around the change."""

    changed: bool
    fixed: list[str] = Field(description="The managed routes put right, as kind: route id.")
    base: str = Field(description="Where the unmanaged parts came from: live, or a snapshot.")
    snapshot_before: str | None = Field(description="Restore this snapshot to undo the change.")
    snapshot_after: str | None
    managed_routes: list[str]


def _fixed(rec: Reconciliation) -> list[str]:
    return [f"{d.kind}: {d.target}" for d in rec.differences]


async def _preview(args: ReconcileArgs, deps: ToolDeps) -> str | None:
    if deps.db is None:
        raise BadInput("caddy.reconcile needs the application database (the domains table)")
    async with _env(deps) as env:
        rec = await reconciliation(env, deps.db)
    if not rec.differences:
        return "the managed routes already match the active domains\n"
    head = "put right: " + ", ".join(_fixed(rec)) + f" (base: {rec.base})\n"
    return head + _clip(render_diff(rec.live, rec.desired))


@family.tool(
    "reconcile",
    risk="write",
    resource="caddy:config",
    preview=_preview,
    description=(
        "Put Caddy's config back on the one Jarvis wants: one managed route per active "
        "domain (missing routes added, changed ones restored, leftover ones removed), the "
        "rest of the live config kept. The live config is snapshotted first, the new one is "
        "validated by Caddy and verified live, and the snapshot is restored if it does not take."
    ),
)
async def reconcile_caddy(args: ReconcileArgs, deps: ToolDeps) -> ReconcileResult:
    """Load the desired config through a snapshotted, verified change."""
    if deps.db is None:
        raise BadInput("caddy.reconcile needs the application database (the domains table)")
    async with _env(deps) as env:
        rec = await reconciliation(env, deps.db)
        if not rec.differences:
            return ReconcileResult(
                changed=False,
                fixed=[],
                base=rec.base,
                snapshot_before=None,
                snapshot_after=None,
                managed_routes=_managed_ids(rec.live),
            )
        before = await apply(env.caddy, rec.desired, env.snapshots, "before reconciling")
        after = await env.snapshots.take(env.caddy, "reconciled the managed routes")
    return ReconcileResult(
        changed=True,
        fixed=_fixed(rec),
        base=rec.base,
        snapshot_before=before.name,
        snapshot_after=after.name,
        managed_routes=_managed_ids(after.config),
    )
