"""Cross-origin guard: only Jarvis's own origin may drive the chat, its socket and the API.

Chainlit's CORS layer echoes any origin when told `*` and its Socket.IO endpoint checks none,
while the session cookie is `SameSite=lax`: a page on another port of the same host, or on a
sibling subdomain behind the same Caddy, could otherwise ride the owner's session.
"""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logging import get_logger
from core.settings import Settings

log = get_logger("web.origin")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SOCKET_PATH = "/ws/socket.io"  # Chainlit's Socket.IO endpoint: every method carries the session


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL in lower case (default ports dropped), or None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class OriginPolicy:
    """Which origins may act: the public URL's, configured extras, and the address itself."""

    def __init__(self, settings: Settings) -> None:
        configured = [str(settings.public_url)] if settings.public_url else []
        configured += settings.allowed_origins
        self.allowed = frozenset(o for o in map(origin_of, configured) if o)
        self.secure_cookies = bool(
            settings.public_url and str(settings.public_url).startswith("https:")
        )

    def allows(self, origin: str, host_header: str | None) -> bool:
        """Whether a request from `origin`, sent to `host_header`, may act."""
        clean = origin_of(origin)
        if clean is None:
            return False
        if clean in self.allowed:
            return True
        # The page was served by this very address (loopback, or a bare IP on the LAN): a
        # name could be rebound to us by someone else's DNS, an address (or localhost) cannot.
        netloc = urlsplit(clean).netloc
        hostname = urlsplit(clean).hostname or ""
        local = _is_ip(hostname) or hostname == "localhost"
        return host_header is not None and netloc == host_header.lower() and local


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class OriginGuardMiddleware:
    """Refuses state-changing requests and socket connections from another origin."""

    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        self.app = app
        self.policy = policy

    def _needs_check(self, scope: Scope) -> bool:
        if scope["type"] == "websocket":
            return True
        path = str(scope.get("path", ""))
        return scope.get("method") not in SAFE_METHODS or path.startswith(SOCKET_PATH)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass same-origin (and non-browser) requests on; answer 403 to the rest."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if not self._needs_check(scope):
            await self.app(scope, receive, self._secure(send))
            return
        origin = _header(scope, b"origin")
        if origin is None and scope["type"] == "http":
            referer = _header(scope, b"referer")
            origin = origin_of(referer) if referer else None
        # No Origin and no Referer: not a browser page acting with someone's cookie.
        if origin is not None and not self.policy.allows(origin, _header(scope, b"host")):
            log.warning("cross_origin_refused", path=str(scope.get("path", ""))[:200])
            await _refuse(scope, send)
            return
        await self.app(scope, receive, self._secure(send))

    def _secure(self, send: Send) -> Send:
        if not self.policy.secure_cookies:
            return send

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = []
                for key, value in message.get("headers", []):
                    attributes = [a.strip().lower() for a in value.split(b";")[1:]]
                    secure = key.lower() == b"set-cookie" and b"secure" not in attributes
                    headers.append((key, value + b"; Secure" if secure else value))
                message = {**message, "headers": headers}
            await send(message)

        return sending


async def _refuse(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"detail": "cross-origin request refused"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
