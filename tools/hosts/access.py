"""What tools use to reach a registered host: its command runner and its Docker Engine client.

The host's record (address, login key, pinned key) is read from the database at every call,
so a host removed or re-pinned in another process takes effect at once; the SSH connection
behind it is kept while the record stays the same.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any

from core.errors import NotReady
from core.settings import Settings
from memory.db import Database
from memory.hosts import get_host, touch_host
from tools.hosts.ssh import RemoteOutput, SshPool, SshTarget, remote_error

TOUCH_EVERY_SECONDS = 60.0


class HostAccess:
    """Pooled SSH connections and Docker clients for the registered hosts of one process."""

    def __init__(self, db: Database | None, command_timeout: float, output_cap: int) -> None:
        self.db = db
        self.pool = SshPool(command_timeout, output_cap)
        self._docker: dict[str, tuple[SshTarget, Any]] = {}
        self._docker_lock = threading.Lock()
        self._touched: dict[str, float] = {}

    async def target(self, name: str) -> SshTarget:
        """The registered host `name` (NotFound if there is none)."""
        if self.db is None:
            raise NotReady("other hosts need Jarvis's database, which these tools were not given")
        return SshTarget.of(await get_host(self.db, name))

    async def _seen(self, target: SshTarget) -> None:
        """Note that the host answered with its pinned key (at most once a minute)."""
        now = time.monotonic()
        if self.db is not None and now - self._touched.get(target.name, -1e9) > TOUCH_EVERY_SECONDS:
            self._touched[target.name] = now
            await touch_host(self.db, target.name)

    async def run(self, name: str, argv: Sequence[str], check: bool = True) -> RemoteOutput:
        """Run a fixed command on host `name`; a non-zero exit raises unless `check` is off."""
        target = await self.target(name)
        out = await asyncio.to_thread(self.pool.run, target, argv)
        await self._seen(target)
        if check and out.exit_code != 0:
            raise remote_error(target, argv, out)
        return out

    async def verify(self, name: str) -> None:
        """Connect to host `name` afresh: the key it offers now is checked, and the login."""
        target = await self.target(name)
        await asyncio.to_thread(self.pool.transport, target, True)
        await self._seen(target)

    async def docker(self, name: str) -> tuple[Any, str]:
        """The docker SDK client for host `name`'s engine, and how to name it in messages."""
        target = await self.target(name)
        client = await asyncio.to_thread(self._docker_client, target)
        await self._seen(target)
        return client, f"host {name} (ssh://{target.where})"

    def _docker_client(self, target: SshTarget) -> Any:
        with self._docker_lock:
            held = self._docker.get(target.name)
            if held is not None and held[0] == target:
                # The key is checked again whenever the SSH connection is (re)opened; then
                # the client's kept HTTP connections (channels of the old one) are useless.
                before = self.pool.connects
                self.pool.transport(target)
                if self.pool.connects == before:
                    return held[1]
            if held is not None:
                held[1].close()
            # Imported here purely for speed: a system.* call to a host needs no docker SDK.
            from tools.hosts.dockerlink import docker_client

            client = docker_client(self.pool, target)
            self._docker[target.name] = (target, client)
            return client

    def forget(self, name: str) -> None:
        """Drop the connection and client of host `name`."""
        with self._docker_lock:
            held = self._docker.pop(name, None)
        if held is not None:
            held[1].close()
        self.pool.forget(name)

    def close(self) -> None:
        """Close every client and connection."""
        with self._docker_lock:
            held = list(self._docker.values())
            self._docker.clear()
        for _, client in held:
            client.close()
        self.pool.close()


def host_access(db: Database | None, settings: Settings) -> HostAccess:
    """The HostsFactory the composition root hands to ToolDeps."""
    return HostAccess(db, settings.command_timeout_seconds, settings.command_output_cap_bytes)
