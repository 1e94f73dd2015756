"""The audit check: the hash chain of the audit log is intact."""

from __future__ import annotations

import asyncio

from memory.audit import VerifyReport, verify_database
from tools.checks.base import CheckContext, CheckFailed, CheckResult, CheckSet

checks = CheckSet()


@checks.check(
    "audit.chain",
    title="Audit log tampered with",
    description="""Walks the audit log's hash chain and compares it with the signed
        checkpoints kept outside the database: an entry altered, missing, reordered, or a
        log cut short.""",
    severity_rule="critical: the record of what Jarvis did can no longer be trusted.",
)
async def chain_check(ctx: CheckContext) -> CheckResult:
    """The first bad entry of the audit chain, if any."""
    db = ctx.db
    if db is None:
        raise CheckFailed("the audit check needs the application database")
    # The walk reads every entry with a synchronous engine: keep it off the event loop.
    report: VerifyReport = await asyncio.to_thread(
        verify_database, db.url, db.audit_key, db.checkpoints
    )
    if report.ok:
        return CheckResult()
    seen = chain_check.observe(
        "audit:log",
        "critical",
        f"audit log tampered at entry {report.first_bad_seq}: {report.problem}",
        report.model_dump(mode="json"),
    )
    return CheckResult(observations=[seen])
