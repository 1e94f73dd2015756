"""Web sessions that can be revoked: a token version per account, checked on every request.

Chainlit's session token is a signed JWT that stays valid until it expires. Each token carries
the account's token version (`metadata.tv`, set at sign-in); logging out or changing the
password bumps the version, and this guard treats a token with an old version as no token at
all. Tokens live 12 hours (`user_session_timeout`) and are re-issued after an hour of use.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any

import jwt
from chainlit.auth import create_jwt
from chainlit.auth.cookie import get_token_from_cookies, set_auth_cookie
from chainlit.user import User
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logging import get_logger

log = get_logger("web.sessions")
COOKIE = "access_token"
REFRESH_AFTER_SECONDS = 3600
# Static files need no session (and would cost a lookup each).
UNGUARDED = ("/assets/", "/public/", "/favicon", "/logo", "/healthz", "/api/")

# username -> the account's current token version, or None when there is no such account
VersionOf = Callable[[str], Awaitable[int | None]]


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar.load(value.decode("latin-1"))
    return {name: morsel.value for name, morsel in jar.items()}


def _without_auth_cookies(scope: Scope) -> Scope:
    """The request as if it carried no session (other cookies kept)."""
    kept = [(k, v) for k, v in scope.get("headers", []) if k != b"cookie"]
    others = [f"{n}={v}" for n, v in _cookies(scope).items() if not n.startswith(COOKIE)]
    if others:
        kept.append((b"cookie", "; ".join(others).encode("latin-1")))
    return {**scope, "headers": kept}


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            # The response's own session cookie (a login, a logout) wins over ours.
            if not any(k == b"set-cookie" and v.startswith(COOKIE.encode()) for k, v in headers):
                headers += extra
            message = {**message, "headers": headers}
        await send(message)

    return sending


class SessionGuardMiddleware:
    """Drops sessions whose token version is old, and re-issues tokens in use for an hour."""

    def __init__(self, app: ASGIApp, secret: str, version_of: VersionOf) -> None:
        self.app = app
        self.secret = secret
        self.version_of = version_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the session token (if any) before Chainlit sees it."""
        path = str(scope.get("path", ""))
        if scope["type"] not in ("http", "websocket") or path.startswith(UNGUARDED):
            await self.app(scope, receive, send)
            return
        token = get_token_from_cookies(_cookies(scope))
        claims = self._claims(token) if token else None
        if claims is None:
            await self.app(scope, receive, send)  # no session, or one Chainlit will refuse
            return
        username = str(claims.get("identifier", ""))
        issued_with = (claims.get("metadata") or {}).get("tv")
        current = await self.version_of(username)
        if current is None or issued_with != current:
            log.info("session_revoked_token_refused", path=path[:200])
            gone = Response()
            gone.delete_cookie(COOKIE)
            await self.app(_without_auth_cookies(scope), receive, _with_headers(send, _set(gone)))
            return
        if (
            scope["type"] == "http"
            and time.time() - float(claims.get("iat", 0)) > REFRESH_AFTER_SECONDS
        ):
            await self.app(scope, receive, _with_headers(send, self._refreshed(scope, claims)))
            return
        await self.app(scope, receive, send)

    def _claims(self, token: str) -> dict[str, Any] | None:
        try:
            return dict(jwt.decode(token, self.secret, algorithms=["HS256"]))
        except jwt.InvalidTokenError:
            return None

    @staticmethod
    def _refreshed(scope: Scope, claims: dict[str, Any]) -> list[tuple[bytes, bytes]]:
        user = User(
            identifier=str(claims["identifier"]),
            display_name=claims.get("display_name"),
            metadata=claims.get("metadata") or {},
        )
        fresh = Response()
        set_auth_cookie(Request(scope), fresh, create_jwt(user))
        return _set(fresh)


def _set(response: Response) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in response.raw_headers if k == b"set-cookie"]
