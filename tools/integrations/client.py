"""The HTTP client every integration builds on: timeouts, bounded retries, typed errors."""

from __future__ import annotations

import asyncio
import email.utils
import json
import ssl
import time
from typing import Any, Self

import httpx

from core.errors import (
    AuthFailed,
    BadInput,
    BadReply,
    Conflict,
    JarvisError,
    NotFound,
    RateLimited,
    Unreachable,
)
from core.settings import IntegrationsSettings

# A POST refused with one of these was not processed (slow down, overloaded), so it can be
# sent again; any other 5xx on a POST may have taken effect and is reported, not repeated:
# a proxy's 502 or 504 says the reply was lost or late, not that the call never arrived.
UNPROCESSED = frozenset({429, 503})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _said(response: httpx.Response) -> str:
    """What the service said about an error, short and on one line (its own words)."""
    text = response.text
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "msg"):
            if isinstance(body.get(key), str):
                text = body[key]
                break
    text = " ".join(text.split())
    return text[:200]


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the service asked us to wait (Retry-After as seconds or a date), if it did."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = email.utils.parsedate_to_datetime(value) if value else None
    return max(0.0, when.timestamp() - time.time()) if when else None


class ApiClient:
    """An httpx.AsyncClient bound to one service's base URL and credentials.

    `service` names it in messages ("Home Assistant at https://home.example.net"), and
    `credential` says what a 401/403 refused ("token", "user name or password").
    """

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        settings: IntegrationsSettings,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | None = None,
        verify: ssl.SSLContext | bool = True,
        credential: str = "token",
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        # Never repeated in an error, should a service echo what it was sent: the header
        # values (and their parts, "Bearer <token>") and whatever else the kind names.
        words = [w for v in (headers or {}).values() for w in (v, *v.split())]
        self._secrets = sorted(
            {w for w in (*words, *secrets) if len(w) >= 6}, key=len, reverse=True
        )
        self._settings = settings
        # Redirects are not followed: the credentials must not travel to another address.
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers or {},
            auth=auth,
            verify=verify,
            timeout=settings.timeout_seconds,
            follow_redirects=False,
        )

    @property
    def where(self) -> str:
        """The service and its address, for messages."""
        return f"{self.service} at {self.base_url}"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send a request; retries 429/5xx within the settings, raises a typed error otherwise."""
        method = method.upper()
        attempts = self._settings.retries + 1
        for attempt in range(attempts):
            response = await self._send(method, path, json_body, params, headers)
            code = response.status_code
            retryable = code in UNPROCESSED or (code >= 500 and method in SAFE_METHODS)
            if not retryable or attempt == attempts - 1:
                return self._checked(response, path)
            await asyncio.sleep(self._pause(response, attempt))
        raise AssertionError("unreachable: the loop returns on its last attempt")

    async def json(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """The decoded JSON reply (BadReply when the body is not JSON)."""
        response = await self.request(method, path, json_body=json_body, params=params)
        try:
            return response.json()
        except ValueError:
            raise self.bad_reply(path, "a body that is not JSON") from None

    def bad_reply(self, path: str, what: str) -> BadReply:
        """The error for a reply that is not what the API documents."""
        return BadReply(
            f"{self.where} answered {path} with {what}, not what its API documents; "
            "is the URL the service's own base URL?"
        )

    async def _send(
        self,
        method: str,
        path: str,
        json_body: Any,
        params: dict[str, Any] | None,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
        try:
            return await self.http.request(
                method, path, json=json_body, params=params, headers=headers
            )
        except httpx.TimeoutException:
            raise Unreachable(
                f"{self.where} did not answer within {self._settings.timeout_seconds:g} s"
            ) from None
        except httpx.ConnectError as exc:
            raise Unreachable(f"{self.where} cannot be reached: {_reason(exc)}") from None
        except httpx.TransportError as exc:
            raise Unreachable(f"{self.where} broke off the exchange: {_reason(exc)}") from None

    def _pause(self, response: httpx.Response, attempt: int) -> float:
        backoff = self._settings.backoff_seconds * (2**attempt)
        asked = retry_after(response)
        bound = self._settings.max_retry_after_seconds
        if asked is not None and asked > bound:
            raise RateLimited(
                f"{self.where} asked to wait {asked:.0f} s before trying again "
                f"(longer than the {bound:g} s Jarvis waits)",
                retry_after=asked,
            )
        return float(min(max(backoff, asked or 0.0), bound))

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def _checked(self, response: httpx.Response, path: str) -> httpx.Response:
        code = response.status_code
        if code < 300:
            return response
        raise self._error(response, path)

    def _error(self, response: httpx.Response, path: str) -> JarvisError:
        code = response.status_code
        said = self._scrub(_said(response))
        quoted = f": {said}" if said else ""
        if code in (401, 403):
            return AuthFailed(
                f"{self.where} refused the {self.credential} (HTTP {code}); "
                f"the {self.credential} was refused"
            )
        if code == 404:
            return NotFound(f"{self.where} has nothing at {path} (HTTP 404){quoted}")
        if code == 409:
            return Conflict(f"{self.where} refused {path} as a conflict{quoted}")
        if code == 429:
            return RateLimited(
                f"{self.where} kept asking to slow down (HTTP 429)", retry_after(response)
            )
        if code >= 500:
            return Unreachable(f"{self.where} failed with HTTP {code}{quoted}")
        if 300 <= code < 400:
            where = response.headers.get("location", "elsewhere")
            return self.bad_reply(path, f"a redirect to {where}")
        return BadInput(f"{self.where} refused the request to {path} (HTTP {code}){quoted}")


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "refused" in lowered or "all connection attempts failed" in lowered:
        return "no connection could be made (refused, or no route to it)"
    if "name or service not known" in lowered or "nodename" in lowered:
        return "its host name does not resolve"
    return text
