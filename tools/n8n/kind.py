"""n8n as an integration kind: a public API key (`--token`), probed with one workflow page."""

from __future__ import annotations

from tools.integrations.kinds import Kind
from tools.n8n.client import N8n, connect


async def probe(client: N8n) -> str:
    """Whether the API answers with the key."""
    return await client.probe()


KIND: Kind[N8n] = Kind(
    name="n8n",
    title="n8n",
    secrets=("token",),
    required=("token",),
    connect=connect,
    probe=probe,
    url_example="https://n8n.example.net",
)
