"""The uvicorn server of `jarvis serve`, which tells the terminal where to reach it.

Once its socket listens it writes the access file (ui/web/local_access.py) and, at shutdown,
removes it if it is still its own; a server killed outright leaves the file behind, and its
dead PID tells the `jarvis` command to run tools in-process again.
"""

from __future__ import annotations

import socket
from pathlib import Path

import uvicorn

from core.logging import get_logger
from ui.web.local_access import LocalAccess, publish, withdraw

log = get_logger("serve")


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that publishes `access` in `data_dir` while it listens."""

    def __init__(self, config: uvicorn.Config, data_dir: Path, access: LocalAccess | None) -> None:
        super().__init__(config)
        self.data_dir = data_dir
        self.access = access

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Listen, then write the access file (a failure leaves the terminal in-process)."""
        await super().startup(sockets)
        if not self.started or self.access is None:
            return
        try:
            path = publish(self.data_dir, self.access)
        except OSError as exc:
            log.warning("local_access_not_written", error=str(exc))
            return
        log.info("local_access_written", path=str(path), url=self.access.url)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Remove the access file first: a command started now runs in-process."""
        self.withdraw()
        await super().shutdown(sockets)

    def withdraw(self) -> None:
        """Remove the access file if it is still this server's."""
        if self.access is None:
            return
        try:
            withdraw(self.data_dir, self.access)
        except OSError as exc:
            log.warning("local_access_not_removed", error=str(exc))
