"""Other hosts: each registered host still offers its pinned SSH host key and answers."""

from __future__ import annotations

import asyncio

from core.errors import JarvisError
from memory.findings import Observation
from memory.hosts import HostRecord, list_hosts
from tools.checks.base import Check, CheckContext, CheckResult, CheckSet
from tools.hosts.keys import HostKeyChanged

checks = CheckSet()


async def _probe(check: Check, ctx: CheckContext, host: HostRecord) -> Observation | None:
    resource = f"host:{host.name}"
    try:
        # A new connection each pass: a kept one was checked when it opened, not since.
        await ctx.deps.hosts.verify(host.name)
    except HostKeyChanged as exc:
        return check.observe(
            resource,
            "critical",
            f"host {host.name} offers another SSH host key ({exc.offered}, pinned {exc.pinned}); "
            "every call to it is refused until a person checks the key and re-pins it",
            {"pinned": exc.pinned, "offered": exc.offered, "address": host.address},
        )
    except JarvisError as exc:
        return check.observe(
            resource,
            "warning",
            f"host {host.name} cannot be reached over SSH: {exc.message}",
            {"address": host.address, "port": host.port},
        )
    return None


@checks.check(
    "host.ssh_keys",
    title="Another host changed its SSH key or does not answer",
    description="""Opens a new SSH connection to every registered host with its pinned host
        key and logs in. A different host key is refused (never accepted or saved) and reported;
        so is a host that does not answer or refuses the login key.""",
    severity_rule="""critical when a host offers another host key than the pinned one (a
        machine in the middle, or a reinstall nobody re-pinned); warning when it does not
        answer or refuses the login.""",
)
async def ssh_keys(ctx: CheckContext) -> CheckResult:
    """One observation per registered host that is not as pinned."""
    if ctx.db is None:
        return CheckResult()
    hosts = await list_hosts(ctx.db)
    found = await asyncio.gather(*(_probe(ssh_keys, ctx, h) for h in hosts))
    return CheckResult(observations=[o for o in found if o is not None])
