"""Sunshine's web API (HTTPS, port 47990 by default) with its self-signed certificate pinned.

Sunshine makes its own certificate, so no CA vouches for it: its SHA-256 fingerprint is
recorded when the integration is added (trust on first use) and every later connection must
present that very certificate. Before any credential is sent, the client reads the
certificate the server presents and compares fingerprints; the requests then go over a TLS
context that trusts that one certificate only, so a swap between the two cannot slip through.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import re
import ssl
from typing import Any
from urllib.parse import urlsplit

import httpx

from core.errors import BadInput, NotAllowed, NotReady, Unreachable
from core.settings import IntegrationsSettings
from tools.integrations.client import ApiClient
from tools.integrations.kinds import Connection
from tools.sunshine import parse
from tools.sunshine.parse import SunshineApp, SunshineClient

DEFAULT_PORT = 47990
FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def normal_fingerprint(value: str) -> str:
    """A SHA-256 fingerprint as 64 lower-case hex digits (colons and spaces dropped)."""
    digits = re.sub(r"[\s:]", "", value).lower()
    if not FINGERPRINT.fullmatch(digits):
        raise BadInput("a certificate fingerprint is a SHA-256 digest: 64 hex digits")
    return digits


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise BadInput(f"Sunshine's web API is HTTPS only; give https://host:{DEFAULT_PORT}")
    return parts.hostname, parts.port or 443


async def presented_certificate(url: str, seconds: float) -> bytes:
    """The certificate (DER) the server at `url` presents; nothing is sent but the handshake."""
    host, port = _address(url)
    context = ssl.create_default_context()
    # Only to read the certificate: it is compared with the pinned one before anything is sent.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=context, server_hostname=host), seconds
        )
    except TimeoutError:
        raise Unreachable(f"Sunshine at {url} did not answer within {seconds:g} s") from None
    except (OSError, ssl.SSLError) as exc:
        raise Unreachable(f"Sunshine at {url} cannot be reached: {exc}") from None
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    finally:
        writer.close()
        # The server may drop the connection we never used.
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
    if not der:
        raise Unreachable(f"Sunshine at {url} presented no certificate")
    return bytes(der)


def fingerprint(der: bytes) -> str:
    """The SHA-256 fingerprint of a DER certificate, as 64 hex digits."""
    return hashlib.sha256(der).hexdigest()


def pinned_context(der: bytes) -> ssl.SSLContext:
    """A TLS context that trusts exactly this certificate (names are not checked: the pin is)."""
    context = ssl.create_default_context(cadata=ssl.DER_cert_to_PEM_cert(der))
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class Sunshine:
    """One Sunshine host; its HTTP client is made after the certificate matched the pin."""

    def __init__(
        self, *, url: str, user: str, password: str, pin: str | None, settings: IntegrationsSettings
    ) -> None:
        self.url = url.rstrip("/")
        self._auth = httpx.BasicAuth(user, password)
        # Sent by the auth object rather than as a client header, so named for scrubbing here.
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._secrets = (password, basic)
        self._pin = pin
        self._settings = settings
        self._api: ApiClient | None = None

    @property
    def where(self) -> str:
        """The service and its address, for messages."""
        return f"Sunshine at {self.url}"

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._api is not None:
            await self._api.aclose()

    async def __aenter__(self) -> Sunshine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def api(self) -> ApiClient:
        """The HTTP client, once the server presented the pinned certificate."""
        if self._api is not None:
            return self._api
        if self._pin is None:
            raise NotReady(
                f"{self.where} has no pinned certificate; add the integration again so its "
                "certificate is recorded"
            )
        der = await presented_certificate(self.url, self._settings.timeout_seconds)
        seen = fingerprint(der)
        if seen != self._pin:
            raise NotAllowed(
                f"{self.where} presents a different certificate than the one pinned when it was "
                f"added (pinned SHA-256 {self._pin[:16]}…, now {seen[:16]}…); nothing was sent. "
                "If Sunshine was reinstalled or made a new certificate, check that this is your "
                "host and add the integration again."
            )
        self._api = ApiClient(
            service="Sunshine",
            base_url=self.url,
            settings=self._settings,
            auth=self._auth,
            verify=pinned_context(der),
            credential="user name or password",
            secrets=self._secrets,
        )
        return self._api

    async def _json(self, method: str, path: str, body: Any = None) -> Any:
        api = await self.api()
        return await api.json(method, path, json_body=body)

    def _bad(self, path: str, what: str) -> Exception:
        return self._api.bad_reply(path, what) if self._api else Unreachable(what)

    async def probe(self) -> str:
        """Sunshine's version and platform (`GET /api/config`, which needs the password)."""
        body = await self._json("GET", "/api/config")
        if not isinstance(body, dict) or not parse.truthy(body.get("status")):
            raise self._bad("/api/config", "something other than Sunshine's configuration")
        version = body.get("version")
        platform = body.get("platform")
        text = f"Sunshine {str(version)[:40]}" if version else "Sunshine"
        return f"{text} ({str(platform)[:40]})" if platform else text

    async def apps(self) -> list[SunshineApp]:
        """The applications Moonlight can start (`GET /api/apps`)."""
        body = await self._json("GET", "/api/apps")
        try:
            return parse.apps(body)
        except ValueError as exc:
            raise self._bad("/api/apps", str(exc)) from None

    async def clients(self) -> list[SunshineClient]:
        """The paired Moonlight clients (`GET /api/clients/list`)."""
        body = await self._json("GET", "/api/clients/list")
        try:
            return parse.clients(body)
        except ValueError as exc:
            raise self._bad("/api/clients/list", str(exc)) from None

    async def pair(self, pin: str, name: str) -> bool:
        """`POST /api/pin {"pin", "name"}`; False when no Moonlight client was waiting."""
        try:
            body = await self._json("POST", "/api/pin", {"pin": pin, "name": name})
        except BadInput as exc:
            raise BadInput(f"{self.where} refused the PIN: {exc.message}") from None
        try:
            return parse.pin_accepted(body)
        except ValueError as exc:
            raise self._bad("/api/pin", str(exc)) from None


def connect(conn: Connection) -> Sunshine:
    """The client, with basic auth and the certificate fingerprint pinned when it was added."""
    pin = conn.option("fingerprint")
    return Sunshine(
        url=conn.url,
        user=str(conn.option("user") or ""),
        password=conn.secret("password"),
        pin=normal_fingerprint(pin) if isinstance(pin, str) else None,
        settings=conn.settings,
    )
