"""Helpers for the check tests: a pass context with chosen background thresholds."""

from __future__ import annotations

from typing import Any

from core.settings import BackgroundSettings
from memory.db import Database
from memory.findings import Observation
from tools.checks.base import Check, CheckContext
from tools.deps import ToolDeps

SECOND = 1_000_000_000  # healthcheck durations are in nanoseconds


def context(deps: ToolDeps, db: Database | None = None, **background: Any) -> CheckContext:
    """A fresh pass (its own shared cache) with these background settings."""
    deps.settings = deps.settings.model_copy(
        update={"background": BackgroundSettings(**background)}
    )
    return CheckContext(deps=deps, db=db)


async def observe(check: Check, ctx: CheckContext) -> dict[str, Observation]:
    """The check's observations in this pass, by resource."""
    result = await check.probe(ctx)
    assert all(o.check == check.id for o in result.observations)
    return {o.resource: o for o in result.observations}
