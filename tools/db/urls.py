"""Server URLs (`postgresql://user:pass@host:port/db`, `mariadb://`, `mysql://`, `redis://`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from core.errors import BadInput
from memory.databases import EngineName
from tools.db.names import IDENT_RE

SCHEMES: dict[str, tuple[EngineName, int]] = {
    "postgresql": ("postgresql", 5432),
    "postgres": ("postgresql", 5432),
    "mariadb": ("mariadb", 3306),
    "mysql": ("mariadb", 3306),
    "redis": ("redis", 6379),
}


@dataclass(frozen=True)
class ServerUrl:
    """A parsed server URL; the password is kept out of its repr."""

    engine: EngineName
    host: str
    port: int
    user: str | None
    password: str | None = field(repr=False)
    options: dict[str, Any] = field(default_factory=dict)


def parse_server_url(url: str) -> ServerUrl:
    """Parse a server URL; anything unclear is BadInput that never repeats the password."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise BadInput(
            "the URL is not valid (expected e.g. postgresql://user:pass@host:5432/db)"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        known = ", ".join(f"{s}://" for s in SCHEMES)
        raise BadInput(f"unknown URL scheme {scheme + '://' if scheme else '(none)'}; use {known}")
    engine, default_port = SCHEMES[scheme]
    if not parts.hostname:
        raise BadInput("the URL names no host")
    if parts.query or parts.fragment:
        raise BadInput("the URL may not carry ?options or #fragments")
    options: dict[str, Any] = {}
    path = unquote(parts.path.lstrip("/"))
    if path and engine == "postgresql":
        if not IDENT_RE.fullmatch(path):
            raise BadInput(f"the database in the URL ({path!r}) is not a plain name")
        options["maintenance_db"] = path
    elif path and engine == "redis":
        if not path.isdigit():
            raise BadInput("a redis:// URL ends in a database number, e.g. /0")
        options["db"] = int(path)
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return ServerUrl(engine, parts.hostname, port or default_port, user, password, options)
