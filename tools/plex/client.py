"""A Plex Media Server over its HTTP API, signed in with an `X-Plex-Token`.

The client asks for XML (`Accept: application/xml`), the format Plex documents and answers by
default, and reads only XML; a reply that is not a `MediaContainer` is a BadReply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from core.errors import BadInput, NotFound
from tools.integrations.client import ApiClient
from tools.integrations.kinds import Connection
from tools.plex import parse
from tools.plex.parse import PlexItem, PlexLibrary, PlexSession

T = TypeVar("T")
# How Jarvis introduces itself to the server (shown in Plex's list of devices).
CLIENT_HEADERS = {
    "Accept": "application/xml",
    "X-Plex-Product": "Jarvis",
    "X-Plex-Client-Identifier": "jarvis-homelab",
}


class Plex(ApiClient):
    """One Plex Media Server."""

    async def _read(self, path: str, read: Callable[[bytes], T], **params: int) -> T:
        response = await self.request("GET", path, params=params or None)
        try:
            return read(response.content)
        except ValueError as exc:
            raise self.bad_reply(
                path, f"a body that is not a Plex MediaContainer ({exc})"
            ) from None

    async def probe(self) -> str:
        """The server's name and version (`GET /`, which needs the token)."""
        root = await self._read("/", parse.container)
        name = root.get("friendlyName") or "Plex Media Server"
        version = root.get("version")
        return f"{name[:80]} (Plex {version[:40]})" if version else name[:80]

    async def sessions(self) -> list[PlexSession]:
        """What is playing now (`GET /status/sessions`)."""
        return await self._read("/status/sessions", parse.sessions)

    async def libraries(self) -> list[PlexLibrary]:
        """The library sections (`GET /library/sections`)."""
        return await self._read("/library/sections", parse.libraries)

    async def recently_added(self, limit: int) -> list[PlexItem]:
        """The newest items, at most `limit` (`GET /library/recentlyAdded`)."""
        items = await self._read(
            "/library/recentlyAdded",
            parse.recently_added,
            **{"X-Plex-Container-Start": 0, "X-Plex-Container-Size": limit},
        )
        return items[:limit]

    async def refresh(self, section: str) -> None:
        """Scan one library section for new files (`GET /library/sections/{id}/refresh`)."""
        if not section.isdigit():
            raise BadInput(f"a Plex library id is a number, not {section[:40]!r}")
        try:
            await self.request("GET", f"/library/sections/{section}/refresh")
        except NotFound:
            raise NotFound(f"{self.where} has no library section {section}") from None


def connect(conn: Connection) -> Plex:
    """The client, with the token as the `X-Plex-Token` header (never in the URL)."""
    return Plex(
        service="Plex",
        base_url=conn.url,
        settings=conn.settings,
        headers={**CLIENT_HEADERS, "X-Plex-Token": conn.secret("token")},
        credential="token",
    )
