"""Plex as an integration kind: an `X-Plex-Token`, probed at the server's root."""

from __future__ import annotations

from tools.integrations.kinds import Kind
from tools.plex.client import Plex, connect


async def probe(client: Plex) -> str:
    """The server's name and version."""
    return await client.probe()


KIND: Kind[Plex] = Kind(
    name="plex",
    title="Plex",
    secrets=("token",),
    required=("token",),
    connect=connect,
    probe=probe,
    url_example="https://plex.example.net",
)
