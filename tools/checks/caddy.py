"""The Caddy check: its admin API answers, and its managed routes are the ones Jarvis wants."""

from __future__ import annotations

from core.errors import BadInput, Unreachable
from memory.domain_models import DomainStatus
from memory.domains import list_domains
from memory.findings import Remedy
from tools.caddy.reconcile import IN_FLIGHT, caddy_env, reconciliation
from tools.checks.base import CheckContext, CheckFailed, CheckResult, CheckSet

checks = CheckSet()
ADMIN = "caddy:admin"
CONFIG = "caddy:config"


@checks.check(
    "caddy.drift",
    title="Caddy down or its config drifted",
    description="""Caddy's admin API does not answer while domains are managed, or its live
        config has managed routes missing, changed, or left over compared with the active
        domains (routes of domains a workflow is changing are left alone). With no domain
        managed, a Caddy that does not answer is not a problem: there may be none.""",
    severity_rule="critical when the admin API is down, warning when routes drifted.",
    remedy="caddy.reconcile, which puts the managed routes back and keeps the rest",
)
async def drift_check(ctx: CheckContext) -> CheckResult:
    """Caddy unreachable, or its managed routes differ from the active domains."""
    if ctx.db is None:
        raise CheckFailed("the Caddy check needs the application database (the domains)")
    url = ctx.settings.domains.caddy_admin_url
    async with caddy_env(ctx.settings, ctx.db) as env:
        try:
            rec = await reconciliation(env, ctx.db)
        except Unreachable as exc:
            managed = [
                d
                for d in await list_domains(ctx.db)
                if d.status == DomainStatus.ACTIVE or d.status in IN_FLIGHT
            ]
            if not managed:
                return CheckResult()
            seen = drift_check.observe(
                ADMIN,
                "critical",
                f"Caddy's admin API at {url} does not answer: {exc.message}",
                {"admin_url": url, "error": exc.message, "managed_domains": len(managed)},
            )
            # The config could not be read: a drift finding stays as it was.
            return CheckResult(observations=[seen], scope={ADMIN})
        except BadInput as exc:
            seen = drift_check.observe(CONFIG, "warning", exc.message, {"admin_url": url})
            return CheckResult(observations=[seen])
    if not rec.differences:
        return CheckResult()
    by_kind: dict[str, list[str]] = {}
    for diff in rec.differences:
        by_kind.setdefault(diff.kind, []).append(diff.target)
    shown = "; ".join(f"{kind}: {', '.join(ids)}" for kind, ids in by_kind.items())
    evidence = {
        **by_kind,
        "details": {d.target: d.detail[:2000] for d in rec.differences},
        "base": rec.base,
        "admin_url": url,
    }
    remedy = Remedy(
        tool="caddy.reconcile",
        args={},
        why="load the live config with the managed routes put right (snapshot first)",
    )
    seen = drift_check.observe(
        CONFIG, "warning", f"Caddy's managed routes drifted ({shown})", evidence, remedy
    )
    return CheckResult(observations=[seen])
