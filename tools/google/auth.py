"""Google credentials from the vault (a refresh token or a service account) and typed errors.

google-auth and httplib2 load only here and in the client: they cost most of a second, which
the CLI's start-up must not pay when no Google tool runs.
"""

from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import google.auth.exceptions
import google.oauth2.credentials
import google.oauth2.service_account
import google_auth_httplib2
import httplib2
from googleapiclient.errors import HttpError

from core.errors import (
    AuthFailed,
    BadInput,
    BadReply,
    JarvisError,
    NotFound,
    RateLimited,
    Unreachable,
)
from tools.google.kind import GOOGLE_TOKEN_URI

GOOGLE_API_ROOT = "https://www.googleapis.com"
# Only what the tools use: read the calendar, send mail, files this app made in Drive.
SCOPES = (
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/gmail.send",
    "https://www.googleapis.com/auth/drive.file",
)
REFRESH_FIELDS = ("client_id", "client_secret", "refresh_token")
# 403 reasons that mean "slow down", not "not allowed".
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})

Credentials = google.oauth2.credentials.Credentials | google.oauth2.service_account.Credentials


@dataclass(frozen=True)
class Account:
    """Which Google account, and how Jarvis proves it is allowed to act for it."""

    secrets: dict[str, str]
    token_uri: str = GOOGLE_TOKEN_URI
    # A Workspace user a service account acts for (domain-wide delegation), if any.
    subject: str | None = None

    def kind(self) -> str:
        """ "refresh_token" or "service_account"; BadInput when neither is complete."""
        if "service_account" in self.secrets:
            return "service_account"
        missing = [f for f in REFRESH_FIELDS if not self.secrets.get(f)]
        if missing:
            raise BadInput(
                "Google needs either a service account (--secret-file service_account=KEY.json) "
                "or an OAuth client and refresh token (client_id, client_secret, refresh_token); "
                f"missing: {', '.join(missing)}"
            )
        return "refresh_token"

    def credentials(self) -> Credentials:
        """google-auth credentials for the tools' scopes, with the token endpoint configured."""
        if self.kind() == "service_account":
            return self._service_account()
        return google.oauth2.credentials.Credentials(
            token=None,
            refresh_token=self.secrets["refresh_token"],
            client_id=self.secrets["client_id"],
            client_secret=self.secrets["client_secret"],
            token_uri=self.token_uri,
            scopes=list(SCOPES),
        )

    def _service_account(self) -> google.oauth2.service_account.Credentials:
        try:
            info = json.loads(self.secrets["service_account"])
        except ValueError:
            raise BadInput("the service account key is not JSON (give the key file)") from None
        if not isinstance(info, dict) or info.get("type") != "service_account":
            raise BadInput("the service account key is not a service_account JSON key file")
        try:
            creds: google.oauth2.service_account.Credentials
            creds = google.oauth2.service_account.Credentials.from_service_account_info(
                {**info, "token_uri": self.token_uri}, scopes=list(SCOPES)
            )
        except (ValueError, KeyError) as exc:
            # The message names the missing field; it never quotes the key.
            raise BadInput(f"the service account key is incomplete: {exc}") from None
        return creds.with_subject(self.subject) if self.subject else creds


# httplib2 sends a request again, whatever its method, when the connection drops before the
# answer: a Gmail send the service already took would go out twice. One attempt each; the
# client repeats what is safe to repeat itself.
httplib2.RETRIES = 1


def _answered_once(base: type[Any]) -> type[Any]:
    class Connection(base):  # type: ignore[misc]
        def getresponse(self) -> Any:
            # httplib2 resends on these (a "stale connection") even with RETRIES at 1; as a
            # reset it reports them instead.
            try:
                return super().getresponse()
            except (http.client.BadStatusLine, http.client.ResponseNotReady) as exc:
                raise ConnectionResetError(
                    f"the connection dropped before an answer ({type(exc).__name__})"
                ) from None

    return Connection


_CONNECTIONS = {
    "http": _answered_once(httplib2.HTTPConnectionWithTimeout),
    "https": _answered_once(httplib2.HTTPSConnectionWithTimeout),
}


class _Http(httplib2.Http):  # type: ignore[misc]
    def request(self, uri: str, *args: Any, connection_type: Any = None, **kw: Any) -> Any:
        scheme = urlsplit(uri).scheme.lower()
        chosen = connection_type or _CONNECTIONS.get(scheme)
        return super().request(uri, *args, connection_type=chosen, **kw)


def authorized_http(creds: Credentials, timeout: float) -> google_auth_httplib2.AuthorizedHttp:
    """An httplib2 connection that adds (and refreshes) the access token."""
    http = _Http(timeout=timeout)
    # A resumable upload's "308 Resume Incomplete" is not a redirect (googleapiclient's
    # build_http does the same), and no redirect is followed: the token must not travel.
    http.redirect_codes = http.redirect_codes - {308}
    http.follow_redirects = False
    return google_auth_httplib2.AuthorizedHttp(creds, http=http)


def refresh(http: google_auth_httplib2.AuthorizedHttp) -> None:
    """Ask the token endpoint for a fresh access token (raises RefreshError when refused)."""
    http.credentials.refresh(google_auth_httplib2.Request(http.http))


def _reason(error: HttpError) -> str:
    details = error.error_details
    if isinstance(details, list) and details and isinstance(details[0], dict):
        return str(details[0].get("reason", ""))
    return ""


def http_status(error: HttpError) -> int:
    """The HTTP status of an API error."""
    return int(error.resp.status)


def retryable(error: HttpError) -> bool:
    """A reply that asks to try again later: 429, 5xx, or a 403 rate limit."""
    code = http_status(error)
    return code == 429 or code >= 500 or (code == 403 and _reason(error) in RATE_REASONS)


def typed(exc: BaseException, where: str) -> JarvisError:
    """The typed error for what google-auth, googleapiclient or httplib2 raised."""
    if isinstance(exc, JarvisError):
        return exc
    if isinstance(exc, google.auth.exceptions.RefreshError):
        # Its text is the token endpoint's error and description, never the token itself.
        said = exc.args[0] if exc.args else "refused"
        return AuthFailed(
            f"Google's token endpoint refused the credentials ({said}); "
            "a revoked refresh token or a deleted key: add the integration again"
        )
    if isinstance(exc, google.auth.exceptions.TransportError):
        return Unreachable(f"Google's token endpoint cannot be reached: {exc}")
    if isinstance(exc, HttpError):
        return _api_error(exc, where)
    if isinstance(exc, (OSError, httplib2.HttpLib2Error, socket.timeout)):
        return Unreachable(f"Google ({where}) cannot be reached: {exc or type(exc).__name__}")
    if isinstance(exc, ValueError):
        return BadReply(f"Google ({where}) answered with something its API does not document")
    raise exc


def _api_error(exc: HttpError, where: str) -> JarvisError:
    code = http_status(exc)
    said = " ".join(str(exc.reason or "").split())[:200]
    quoted = f": {said}" if said else ""
    if code == 429 or (code == 403 and _reason(exc) in RATE_REASONS):
        return RateLimited(f"Google ({where}) kept asking to slow down (HTTP {code}){quoted}")
    if code in (401, 403):
        return AuthFailed(f"Google ({where}) refused the credentials (HTTP {code}){quoted}")
    if code == 404:
        return NotFound(f"Google ({where}) has no such thing (HTTP 404){quoted}")
    if code >= 500:
        return Unreachable(f"Google ({where}) failed with HTTP {code}{quoted}")
    return BadInput(f"Google ({where}) refused the request (HTTP {code}){quoted}")
