"""n8n: workflows whose executions failed lately, one finding per workflow."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from core.errors import JarvisError, NotReady
from memory.findings import Observation
from memory.integrations import IntegrationView
from tools.checks.base import CheckContext, CheckFailed, CheckResult, CheckSet
from tools.n8n.client import PAGE
from tools.n8n.kind import KIND
from tools.n8n.parse import FAILED, N8nExecution

checks = CheckSet()
WINDOW = timedelta(hours=24)  # failures older than this no longer make a finding


def resource(integration: str, workflow_id: str) -> str:
    """The finding's resource: one workflow of one n8n."""
    return f"integration:{integration}/workflow/{workflow_id}"


async def _look(ctx: CheckContext, view: IntegrationView) -> list[Observation]:
    since = ctx.now - WINDOW
    async with ctx.deps.integrations.open(KIND, view.name) as n8n:
        recent = await n8n.executions(since=since, limit=PAGE)
        failed = [e for e in recent if e.status in FAILED]
        names = {w.id: w.name for w in await n8n.workflows()} if failed else {}
    by_workflow: dict[str, list[N8nExecution]] = defaultdict(list)
    for ex in failed:
        by_workflow[ex.workflow_id or "?"].append(ex)
    found: list[Observation] = []
    for wf_id, failures in by_workflow.items():
        newest = max(failures, key=lambda e: e.started_at or since)
        later = [
            e
            for e in recent
            if e.workflow_id == wf_id
            and e.status == "success"
            and (e.started_at or since) > (newest.started_at or since)
        ]
        name = names.get(wf_id, wf_id)
        times = f"{len(failures)} time{'' if len(failures) == 1 else 's'}"
        summary = f"n8n workflow {name!r} failed {times} in the last 24 h"
        summary += "; it has succeeded since" if later else "; its last run failed"
        found.append(
            failing.observe(
                resource(view.name, wf_id),
                "info" if later else "warning",
                summary[:500],
                {
                    "integration": view.name,
                    "workflow_id": wf_id,
                    "workflow": name,
                    "failures": len(failures),
                    "executions": [e.id for e in failures[:10]],
                    "last_failed_at": newest.started_at.isoformat() if newest.started_at else None,
                    "succeeded_since": bool(later),
                },
            )
        )
    return found


@checks.check(
    "n8n.failures",
    title="n8n workflow failed",
    description="""Reads the last 24 hours of executions of every configured n8n (public API)
        and reports each workflow with failed or crashed executions, with how many and when
        the last one was. No n8n configured: nothing to look at.""",
    severity_rule="""warning while the workflow's newest execution is a failure; info once it
        has succeeded since (the finding clears when the failures are older than 24 hours).""",
)
async def failing(ctx: CheckContext) -> CheckResult:
    """One observation per n8n workflow that failed in the last day."""
    try:
        configured = await ctx.deps.integrations.list(KIND.name)
    except NotReady:
        return CheckResult()  # no database: nothing can be configured
    except JarvisError as exc:
        raise CheckFailed(f"the configured integrations could not be read: {exc.message}") from None
    found: list[Observation] = []
    for view in configured:
        try:
            found += await _look(ctx, view)
        except JarvisError as exc:
            # Could not look: the findings of this n8n stay as they were.
            raise CheckFailed(f"n8n {view.name!r} could not be read: {exc.message}") from None
    return CheckResult(observations=found)
