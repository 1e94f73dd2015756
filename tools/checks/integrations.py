"""Integrations: every configured service (Home Assistant, Plex, n8n ...) answers its probe."""

from __future__ import annotations

import asyncio

from core.errors import JarvisError
from memory.findings import Observation, Severity
from memory.integrations import IntegrationView
from tools.checks.base import Check, CheckContext, CheckFailed, CheckResult, CheckSet
from tools.integrations.access import Integrations

checks = CheckSet()


def resource(name: str) -> str:
    """The finding's resource: one configured integration."""
    return f"integration:{name}"


async def _probe(check: Check, access: Integrations, view: IntegrationView) -> Observation | None:
    try:
        report = await access.test(view.name)
    except JarvisError as exc:  # a kind this version does not know, a secret gone from the vault
        detail, error = exc.message, exc.kind
    else:
        if report.ok:
            return None
        detail, error = report.detail, report.error or "error"
    severity: Severity = "warning"
    said = "refuses its credentials" if error == "auth_failed" else "does not answer as it should"
    return check.observe(
        resource(view.name),
        severity,
        f"{view.kind} integration {view.name} {said}: {detail}",
        {"kind": view.kind, "url": view.url, "error": error},
    )


@checks.check(
    "integrations.reachable",
    title="A configured integration does not answer",
    description="""Asks every configured integration (Home Assistant, Plex, n8n, Sunshine,
        Google ...) its kind's probe with the stored credentials, and records the outcome
        that `jarvis integrations list` shows. A service that does not answer, refuses the
        credentials or answers with something that is not its API is reported.""",
    severity_rule="""warning: the service's tools and plain-language requests fail until it
        answers again or its credentials are renewed (`jarvis integrations add KIND ...`).""",
)
async def reachable(ctx: CheckContext) -> CheckResult:
    """One observation per integration that failed its probe."""
    if ctx.db is None:
        return CheckResult()
    try:
        access = ctx.deps.integrations
        views = await access.list()
    except JarvisError as exc:
        raise CheckFailed(f"the integrations could not be read: {exc.message}") from None
    found = await asyncio.gather(*(_probe(reachable, access, v) for v in views))
    return CheckResult(observations=[o for o in found if o is not None])
