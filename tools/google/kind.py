"""Google as an integration kind: an OAuth refresh token or a service account key.

The URL is Google's API root (https://www.googleapis.com); `token_uri` is the OAuth token
endpoint (Google's own unless given). `drive_folder` is where backups are copied off-site,
`calendar` the calendar read by default, `subject` the Workspace user a service account acts
for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.integrations.kinds import Connection, Kind

if TYPE_CHECKING:
    from tools.google.client import Google

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (an address)


def connect(conn: Connection) -> Google:
    """The client; BadInput when the credentials are neither kind complete."""
    # Imported on use: google-api-python-client and google-auth take most of a second to
    # load, which listing tools or starting the CLI must not pay.
    from tools.google.auth import Account
    from tools.google.client import Google

    account = Account(
        secrets=dict(conn.secrets),
        token_uri=str(conn.option("token_uri") or GOOGLE_TOKEN_URI),
        subject=conn.option("subject"),
    )
    return Google(account, conn.url, conn.settings)


async def probe(client: Google) -> str:
    """A fresh access token from the token endpoint, and the Calendar API's description."""
    return await client.probe()


KIND: Kind[Google] = Kind(
    name="google",
    title="Google",
    secrets=("client_id", "client_secret", "refresh_token", "service_account"),
    options=("token_uri", "drive_folder", "calendar", "subject"),
    connect=connect,
    probe=probe,
    url_example="https://www.googleapis.com",
)
