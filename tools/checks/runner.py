"""Runs checks concurrently, each bounded in time, and records their findings."""

from __future__ import annotations

import asyncio
import time
from typing import Literal

from pydantic import BaseModel

from core.errors import JarvisError
from core.logging import get_logger
from memory.db import Database
from memory.findings import FindingView, Observation, sync_check
from tools.checks.base import Check, CheckContext, CheckResult

log = get_logger("checks")
CHECK_TIMEOUT_SECONDS = 60.0


class CheckOutcome(BaseModel):
    """How one check went in one pass."""

    check: str
    status: Literal["ok", "problems", "error"]
    seconds: float
    observations: list[Observation] = []
    error: str | None = None
    scope: set[str] | None = None


class DiagnoseReport(BaseModel):
    """One pass over a set of checks, and what it changed in the findings."""

    checks: list[CheckOutcome]
    opened: list[FindingView] = []
    persisting: list[FindingView] = []
    closed: list[FindingView] = []

    @property
    def open(self) -> list[FindingView]:
        """Every finding open after the pass, the most severe first."""
        rank = {"critical": 0, "warning": 1, "info": 2}
        return sorted([*self.opened, *self.persisting], key=lambda f: rank.get(f.severity, 3))


async def _one(check: Check, ctx: CheckContext, limit_seconds: float) -> CheckOutcome:
    start = time.perf_counter()
    try:
        result: CheckResult = await asyncio.wait_for(check.probe(ctx), limit_seconds)
    except TimeoutError:
        error = f"did not finish within {limit_seconds:.0f} s"
    except JarvisError as exc:
        error = exc.message
    except Exception as exc:
        log.exception("check_crashed", check=check.id, error_type=type(exc).__name__)
        error = f"crashed ({type(exc).__name__}); see the logs"
    else:
        found = [o for o in result.observations if o.check == check.id]
        return CheckOutcome(
            check=check.id,
            status="problems" if found else "ok",
            seconds=round(time.perf_counter() - start, 3),
            observations=found,
            scope=result.scope,
        )
    return CheckOutcome(
        check=check.id,
        status="error",
        seconds=round(time.perf_counter() - start, 3),
        error=error,
    )


async def run_checks(
    checks: list[Check], ctx: CheckContext, limit_seconds: float = CHECK_TIMEOUT_SECONDS
) -> list[CheckOutcome]:
    """Every check at once; one that fails or hangs is reported, never fatal."""
    return list(await asyncio.gather(*(_one(c, ctx, limit_seconds) for c in checks)))


async def diagnose(
    checks: list[Check],
    ctx: CheckContext,
    db: Database,
    *,
    run_id: str | None,
    limit_seconds: float = CHECK_TIMEOUT_SECONDS,
) -> DiagnoseReport:
    """Run the checks and record their findings; a check that errored closes nothing."""
    outcomes = await run_checks(checks, ctx, limit_seconds)
    report = DiagnoseReport(checks=outcomes)
    for outcome in outcomes:
        if outcome.status == "error":
            continue
        synced = await sync_check(
            db,
            outcome.check,
            outcome.observations,
            run_id=run_id,
            now=ctx.now,
            scope=outcome.scope,
        )
        report.opened.extend(synced.opened)
        report.persisting.extend(synced.persisting)
        report.closed.extend(synced.closed)
    return report
