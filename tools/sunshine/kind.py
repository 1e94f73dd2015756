"""Sunshine as an integration kind: basic auth, its self-signed certificate pinned when added."""

from __future__ import annotations

from typing import Any

from tools.integrations.kinds import Connection, Kind
from tools.sunshine.client import (
    Sunshine,
    connect,
    fingerprint,
    normal_fingerprint,
    presented_certificate,
)


async def enrol(conn: Connection) -> dict[str, Any]:
    """The certificate to pin: the fingerprint given with `--option fingerprint=`, else the
    one the host presents now (trust on first use; adding again pins a new one)."""
    given = conn.option("fingerprint")
    if isinstance(given, str) and given:
        return {"fingerprint": normal_fingerprint(given)}
    der = await presented_certificate(conn.url, conn.settings.timeout_seconds)
    return {"fingerprint": fingerprint(der)}


async def probe(client: Sunshine) -> str:
    """Sunshine's version and platform."""
    return await client.probe()


KIND: Kind[Sunshine] = Kind(
    name="sunshine",
    title="Sunshine",
    # The user name is a setting, as the schema has it: a vault value is scrubbed from all
    # output, and a common name ("sunshine", "admin") would blank out unrelated text.
    secrets=("password",),
    options=("user", "fingerprint"),
    required=("user", "password"),
    connect=connect,
    probe=probe,
    enrol=enrol,
    url_example="https://gaming-pc.lan:47990",
)
