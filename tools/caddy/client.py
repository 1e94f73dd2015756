"""The Caddy admin API: reading and loading configs, `@id` access, typed errors."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

import httpx

from core.errors import BadInput, ChangeFailed, Conflict, JarvisError, NotFound, Unreachable

Json = Any
TIMEOUT_SECONDS = 15.0
FORCE = {"Cache-Control": "must-revalidate"}  # reload even when the config is identical


def fnv1a32(data: bytes) -> int:
    """The 32-bit FNV-1a hash Caddy uses for its config Etags."""
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def config_etag(path: str, body: bytes) -> str:
    """The Etag Caddy gives the config at `path` (sent as a trailer, so computed here)."""
    return f'"{path} {fnv1a32(body):08x}"'


def _message(response: httpx.Response) -> str:
    """Caddy's own error text (it answers `{"error": "..."}`), else the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return response.text.strip()


class CaddyAdmin:
    """An async client for one Caddy admin endpoint, e.g. `http://127.0.0.1:2019`."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=timeout, transport=transport, trust_env=False
        )

    async def __aenter__(self) -> CaddyAdmin:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Json = None,
        content: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        send_headers = dict(headers or {})
        body: bytes | None = None
        if content is not None:
            body = content.encode()
        elif json_body is not None or method in ("POST", "PUT", "PATCH"):
            body = json.dumps(json_body).encode()
            send_headers.setdefault("Content-Type", "application/json")
        try:
            response = await self._http.request(method, path, content=body, headers=send_headers)
        except httpx.TimeoutException as exc:
            raise Unreachable(
                f"Caddy admin API at {self.base_url} timed out ({method} {path})"
            ) from exc
        except httpx.TransportError as exc:
            raise Unreachable(
                f"Caddy admin API at {self.base_url} is unreachable: {exc or type(exc).__name__}"
            ) from exc
        if response.is_success:
            return response
        raise self._error(method, path, response)

    def _error(self, method: str, path: str, response: httpx.Response) -> JarvisError:
        message = _message(response)
        status = response.status_code
        where = f"{method} {path}"
        if status == 412:
            return Conflict(
                f"Caddy's config changed since it was read ({where}); read it again: {message}"
            )
        if status == 409:
            return Conflict(f"Caddy refused {where}: {message}")
        if status == 404:
            return NotFound(f"Caddy has nothing at {path}: {message}")
        if status in (400, 422):
            return BadInput(f"Caddy rejected {where}: {message}")
        if method == "GET":
            return Unreachable(f"Caddy answered {status} to {where}: {message}")
        return ChangeFailed(f"Caddy answered {status} to {where}: {message}")

    @staticmethod
    def _config_path(path: str) -> str:
        return "/config/" + path.strip("/")

    async def get_config(self, path: str = "") -> tuple[Json, str]:
        """The config at `path` (all of it by default) and its Etag."""
        where = self._config_path(path)
        response = await self._request("GET", where)
        etag = response.headers.get("Etag") or config_etag(where, response.content)
        return response.json(), etag

    async def load(self, config: Json, *, if_match: str | None = None, force: bool = False) -> None:
        """Replace the whole config atomically (`If-Match` guards against lost updates).

        With an Etag the config goes to `POST /config/`: it loads the same way as `/load`,
        and it checks `If-Match`, which `/load` ignores in some Caddy versions (2.6).
        """
        headers: dict[str, str] = {}
        if force:
            headers.update(FORCE)
        if if_match is None:
            await self._request("POST", "/load", json_body=config, headers=headers)
            return
        headers["If-Match"] = if_match
        await self._request("POST", "/config/", json_body=config, headers=headers)

    async def adapt(self, caddyfile: str) -> Json:
        """The JSON config a Caddyfile stands for, without loading it."""
        response = await self._request(
            "POST", "/adapt", content=caddyfile, headers={"Content-Type": "text/caddyfile"}
        )
        body = response.json()
        return body.get("result") if isinstance(body, dict) and "result" in body else body

    async def set_config(
        self,
        path: str,
        value: Json,
        *,
        method: str = "PATCH",
        if_match: str | None = None,
        force: bool = False,
    ) -> None:
        """POST (create or append), PUT (create or insert) or PATCH (replace) at `path`."""
        if method not in ("POST", "PUT", "PATCH"):
            raise BadInput(f"unsupported method {method!r} for Caddy config")
        headers = {"If-Match": if_match} if if_match else {}
        if force:
            headers.update(FORCE)
        await self._request(method, self._config_path(path), json_body=value, headers=headers)

    async def delete_config(self, path: str, *, if_match: str | None = None) -> None:
        """Remove the value at `path`."""
        headers = {"If-Match": if_match} if if_match else {}
        await self._request("DELETE", self._config_path(path), headers=headers)

    @staticmethod
    def _id_path(ident: str, path: str = "") -> str:
        if not ident or "/" in ident:
            raise BadInput(f"invalid Caddy @id {ident!r}")
        rest = path.strip("/")
        return f"/id/{ident}" + (f"/{rest}" if rest else "")

    async def get_id(self, ident: str, path: str = "") -> Json:
        """The object tagged `"@id": ident` (or a path inside it)."""
        response = await self._request("GET", self._id_path(ident, path))
        return response.json()

    async def post_id(self, ident: str, value: Json, path: str = "") -> None:
        """Append to (or create) a value inside the object tagged `ident`."""
        await self._request("POST", self._id_path(ident, path), json_body=value)

    async def put_id(self, ident: str, value: Json, path: str = "") -> None:
        """Create (or insert into an array) inside the object tagged `ident`."""
        await self._request("PUT", self._id_path(ident, path), json_body=value)

    async def patch_id(self, ident: str, value: Json, path: str = "") -> None:
        """Replace the object tagged `ident` (or a path inside it)."""
        await self._request("PATCH", self._id_path(ident, path), json_body=value)

    async def delete_id(self, ident: str, path: str = "") -> None:
        """Remove the object tagged `ident` (or a path inside it)."""
        await self._request("DELETE", self._id_path(ident, path))
