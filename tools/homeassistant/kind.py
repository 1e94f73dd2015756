"""Home Assistant as an integration kind: a long-lived access token, probed at `/api/`."""

from __future__ import annotations

from tools.homeassistant.client import HomeAssistant
from tools.integrations.kinds import Connection, Kind


def connect(conn: Connection) -> HomeAssistant:
    """The client, with the token as `Authorization: Bearer`."""
    return HomeAssistant(
        service="Home Assistant",
        base_url=conn.url,
        settings=conn.settings,
        headers={"Authorization": f"Bearer {conn.secret('token')}"},
        credential="token",
    )


async def probe(client: HomeAssistant) -> str:
    """What answered at `/api/`."""
    return await client.probe()


KIND: Kind[HomeAssistant] = Kind(
    name="homeassistant",
    title="Home Assistant",
    secrets=("token",),
    required=("token",),
    connect=connect,
    probe=probe,
    url_example="https://home.example.net",
)
