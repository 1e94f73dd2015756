"""The check contract: an id, a schedule group, a severity rule, and an async probe."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel

from core.errors import JarvisError
from core.settings import Settings
from memory.db import Database
from memory.findings import Observation, Remedy, Severity
from memory.models import utcnow
from tools.deps import ToolDeps

__all__ = ["Check", "CheckContext", "CheckFailed", "CheckResult", "Observation", "Remedy"]


class CheckFailed(JarvisError):
    """A check could not look (engine down, no database ...): its findings stay as they were."""


class CheckResult(BaseModel):
    """What a check saw: problems, and (when it could not look at everything) what it saw."""

    observations: list[Observation] = []
    # Resources the check examined; open findings outside it are left open. None: all.
    scope: set[str] | None = None


@dataclass
class CheckContext:
    """What checks read, shared by every check of one pass (each source is read once)."""

    deps: ToolDeps
    db: Database | None
    now: datetime = field(default_factory=utcnow)
    _cache: dict[str, asyncio.Task[Any]] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        """The settings read at start-up."""
        return self.deps.settings

    async def shared(self, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        """Load `key` once per pass, however many checks ask for it (concurrently too)."""
        task = self._cache.get(key)
        if task is None:
            task = asyncio.ensure_future(load())
            self._cache[key] = task
        return await task


Probe = Callable[[CheckContext], Awaitable[CheckResult]]


@dataclass(frozen=True)
class Check:
    """One diagnose check."""

    id: str  # "<group>.<name>", e.g. containers.exited
    title: str
    description: str
    severity_rule: str  # how the severity is chosen, in words
    remedy: str | None  # the repair it proposes, in words (None: it only reports)
    probe: Probe

    @property
    def group(self) -> str:
        """The part of the homelab it watches (containers, host, domains ...)."""
        return self.id.split(".", 1)[0]

    def info(self) -> dict[str, Any]:
        """The public description of the check."""
        return {
            "id": self.id,
            "group": self.group,
            "title": self.title,
            "description": self.description,
            "severity_rule": self.severity_rule,
            "remedy": self.remedy,
        }

    def observe(
        self,
        resource: str,
        severity: Severity,
        summary: str,
        evidence: dict[str, Any] | None = None,
        remedy: Remedy | None = None,
    ) -> Observation:
        """An observation of this check."""
        return Observation(
            check=self.id,
            resource=resource,
            severity=severity,
            summary=summary,
            evidence=evidence or {},
            remedy=remedy,
        )


class CheckSet:
    """Collects checks; the catalog adds sets explicitly, as the tool registry does."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def check(
        self,
        check_id: str,
        *,
        title: str,
        description: str,
        severity_rule: str,
        remedy: str | None = None,
    ) -> Callable[[Probe], Check]:
        """Register `probe` as the check `check_id`."""

        def decorate(probe: Probe) -> Check:
            made = Check(
                id=check_id,
                title=title,
                description=" ".join(description.split()),
                severity_rule=" ".join(severity_rule.split()),
                remedy=remedy,
                probe=probe,
            )
            self.checks.append(made)
            return made

        return decorate


def select_checks(checks: list[Check], patterns: list[str]) -> list[Check]:
    """The checks whose id matches one of the globs (`*`, `containers.*`, `host.disk`)."""
    return [c for c in checks if any(fnmatchcase(c.id, p) for p in patterns)]
