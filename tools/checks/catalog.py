"""Every check Jarvis runs, added explicitly (as the tool catalog adds tool families)."""

from __future__ import annotations

from tools.checks import (
    audit,
    caddy,
    containers,
    databases,
    domains,
    host,
    integrations,
    n8n,
    ssh_hosts,
    stacks,
    workflows,
)
from tools.checks.base import Check, CheckSet

SETS: list[CheckSet] = [containers.checks, host.checks]
SETS += [domains.checks, caddy.checks, workflows.checks, audit.checks, ssh_hosts.checks]
SETS += [databases.checks]
SETS += [n8n.checks]
SETS += [integrations.checks]
SETS += [stacks.checks]


def all_checks() -> list[Check]:
    """The checks, in a stable order."""
    found = [c for s in SETS for c in s.checks]
    ids = [c.id for c in found]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise RuntimeError(f"check ids used twice: {sorted(dupes)}")
    return found
