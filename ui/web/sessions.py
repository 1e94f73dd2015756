"""Web sessions that can be revoked: a token version per account, checked on every request.

Chainlit's session token is a signed JWT that stays valid until it expires. Each token carries
the account's token version (`metadata.tv`, set at sign-in); logging out or changing the
password bumps the version, and this guard treats a token with an old version as no token at
all. Tokens live 12 hours (`user_session_timeout`) and are re-issued after an hour of use.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from chainlit.auth import create_jwt
from chainlit.auth.cookie import get_token_from_cookies, set_auth_cookie
from chainlit.user import User
from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logging import get_logger

log = get_logger("web.sessions")
COOKIE = "access_token"
REFRESH_AFTER_SECONDS = 3600
# Static files need no session (and would cost a lookup each); the REST API takes only keys,
# an approval link's token is its own credential, and /metrics is for scrapers, not browsers.
UNGUARDED_PATHS = frozenset({"/favicon", "/logo", "/healthz", "/metrics"})
UNGUARDED_PREFIXES = ("/assets/", "/public/", "/api/", "/approve/")

# username -> the account's current token version, or None when there is no such account
VersionOf = Callable[[str], Awaitable[int | None]]


def _cookies(scope: Scope) -> dict[str, str]:
    """Every Cookie header, read the way Chainlit and Starlette read them."""
    joined = "; ".join(v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"cookie")
    return cookie_parser(joined)


def _normalised(scope: Scope, keep_session: bool) -> Scope:
    """One Cookie header rebuilt from what was parsed (the session dropped unless kept), and
    no bearer session, so what Chainlit reads is exactly what was checked."""
    cookies = {n: v for n, v in _cookies(scope).items() if keep_session or not n.startswith(COOKIE)}
    headers = [
        (k, v)
        for k, v in scope.get("headers", [])
        if k != b"cookie"
        and not (not keep_session and k == b"authorization" and _bearer(v) is not None)
    ]
    if cookies:
        headers.append((b"cookie", "; ".join(f"{n}={v}" for n, v in cookies.items()).encode()))
    return {**scope, "headers": headers}


def _bearer(value: bytes) -> str | None:
    """The JWT of an `Authorization: Bearer` header (API keys are not JWTs)."""
    scheme, token = get_authorization_scheme_param(value.decode("latin-1"))
    return token if scheme.lower() == "bearer" and token.count(".") == 2 else None


def _token(scope: Scope) -> str | None:
    found = get_token_from_cookies(_cookies(scope))
    if found:
        return found
    for key, value in scope.get("headers", []):
        if key == b"authorization" and (bearer := _bearer(value)) is not None:
            return bearer
    return None


def _guarded(path: str) -> bool:
    return path not in UNGUARDED_PATHS and not path.startswith(UNGUARDED_PREFIXES)


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
        if scope["type"] not in ("http", "websocket") or not _guarded(path):
            await self.app(scope, receive, send)
            return
        token = _token(scope)
        claims = self._claims(token) if token else None
        if claims is None:
            # No session, or one Chainlit refuses too; either way it sees what was parsed here.
            await self.app(_normalised(scope, keep_session=True), receive, send)
            return
        if not await self.current(claims):
            log.info("session_revoked_token_refused", path=path[:200])
            gone = Response()
            gone.delete_cookie(COOKIE)
            bare = _normalised(scope, keep_session=False)
            await self.app(bare, receive, _with_headers(send, _set(gone)))
            return
        scope = _normalised(scope, keep_session=True)
        age = time.time() - float(claims.get("iat", 0))
        if scope["type"] == "http" and age > REFRESH_AFTER_SECONDS:
            await self.app(scope, receive, _with_headers(send, self._refreshed(scope, claims)))
            return
        await self.app(scope, receive, send)

    async def current(self, claims: dict[str, Any]) -> bool:
        """Whether a token's account exists and the token carries its current version."""
        issued_with = (claims.get("metadata") or {}).get("tv")
        version = await self.version_of(str(claims.get("identifier", "")))
        return version is not None and issued_with == version

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
