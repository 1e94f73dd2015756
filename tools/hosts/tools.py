"""hosts.list: the other machines Jarvis reaches over SSH, with their pinned host keys."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from core.errors import NotReady
from memory.hosts import list_hosts
from tools.deps import ToolDeps
from tools.registry import ToolArgs, ToolFamily, ToolResult

family = ToolFamily("hosts")


class ListHostsArgs(ToolArgs):
    """No arguments."""


class HostRow(BaseModel):
    """One registered host."""

    name: str
    username: str
    address: str
    port: int
    host_key_type: str
    fingerprint: str
    created_at: datetime
    last_seen_at: datetime | None


class ListHostsResult(ToolResult):
    """The registered hosts, by name."""

    hosts: list[HostRow]

    def is_empty(self) -> bool:
        """No host is registered."""
        return not self.hosts


@family.tool(
    "list",
    risk="read",
    resource="hosts:registered",
    # Untrusted like most output: host keys and last-seen times come from the hosts themselves.
    description="""
The other machines registered with `jarvis hosts add` (reached over SSH with a pinned host
key): name, user, address, port, host key fingerprint and when each last answered. The
system.* and docker.* tools take one of these names as `host`. Hosts are added and removed
by a person at the terminal (`jarvis hosts add/remove`), never by a tool.
""",
)
async def list_registered(args: ListHostsArgs, deps: ToolDeps) -> ListHostsResult:
    """List the registered hosts."""
    if deps.db is None:
        raise NotReady("the host list lives in Jarvis's database, which these tools were not given")
    rows = [HostRow.model_validate(h.model_dump()) for h in await list_hosts(deps.db)]
    return ListHostsResult(hosts=rows)
