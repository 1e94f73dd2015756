"""Chainlit hooks for sign-in and chat history; importing this module registers them."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import chainlit as cl
import chainlit.data as cl_data
import jwt
from chainlit.auth.cookie import get_token_from_cookies
from chainlit.auth.jwt import decode_jwt
from chainlit.data.base import BaseDataLayer
from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from chainlit.data.storage_clients.base import BaseStorageClient
from chainlit.element import ElementDict
from chainlit.server import sio
from chainlit.session import ws_sessions_id
from fastapi import Request, Response

from core.logging import get_logger
from memory.chat_store import wire_chat_engine
from memory.db import async_url
from ui.web.state import CLIENT_ADDRESS, get_state

log = get_logger("chat.auth")

# Element files are handed back inline (data: URLs), so there is no file route to protect;
# past this size an element keeps its row but its file is not served again on resume.
MAX_INLINE_BYTES = 8 * 1024 * 1024
MIME_RE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[\w.+-]+$")
# Never hand back something a browser would render as a page of ours.
UNSAFE_MIME = {"text/html", "application/xhtml+xml", "text/javascript", "application/javascript"}

# Columns (or the aliases Chainlit's queries give them) that hold JSON or booleans, so rows
# read the same on PostgreSQL (JSONB, TEXT[], BOOLEAN) and SQLite (TEXT, 0/1).
JSON_FIELDS = frozenset(
    {
        "metadata",
        "thread_metadata",
        "step_metadata",
        "tags",
        "thread_tags",
        "step_tags",
        "generation",
        "step_generation",
        "props",
        "modes",
        "playerConfig",
    }
)
BOOL_FIELDS = frozenset(
    {
        "streaming",
        "step_streaming",
        "waitForAnswer",
        "step_waitforanswer",
        "isError",
        "step_iserror",
        "defaultOpen",
        "autoCollapse",
        "autoPlay",
    }
)


class LocalFileStorage(BaseStorageClient):
    """Element files in a private folder of the data dir, named by the hash of their key."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, object_key: str) -> tuple[Path, Path]:
        # Keys embed element names chosen elsewhere; hashing them keeps every file inside root.
        name = hashlib.sha256(object_key.encode()).hexdigest()
        return self.root / f"{name}.bin", self.root / f"{name}.mime"

    async def upload_file(
        self,
        object_key: str,
        data: bytes | str,
        mime: str = "application/octet-stream",
        overwrite: bool = True,
        content_disposition: str | None = None,
    ) -> dict[str, Any]:
        """Store the element's bytes; the URL is made when the thread is read back."""
        body, kind = self._paths(object_key)
        raw = data.encode() if isinstance(data, str) else data

        def write() -> None:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            if body.exists() and not overwrite:
                return
            body.write_bytes(raw)
            kind.write_text(mime if MIME_RE.match(mime) else "application/octet-stream")

        await asyncio.to_thread(write)
        return {"object_key": object_key, "url": None}

    async def delete_file(self, object_key: str) -> bool:
        """Remove the element's file, if it is there."""
        body, kind = self._paths(object_key)

        def remove() -> bool:
            existed = body.exists()
            body.unlink(missing_ok=True)
            kind.unlink(missing_ok=True)
            return existed

        return await asyncio.to_thread(remove)

    async def get_read_url(self, object_key: str) -> str:
        """The file as a data: URL (raises when missing or too large to inline)."""
        body, kind = self._paths(object_key)

        def read() -> str:
            if body.stat().st_size > MAX_INLINE_BYTES:
                raise ValueError("element file too large to inline")
            mime = kind.read_text().strip() if kind.exists() else "application/octet-stream"
            if mime in UNSAFE_MIME:
                mime = "text/plain"
            return f"data:{mime};base64,{base64.b64encode(body.read_bytes()).decode()}"

        return await asyncio.to_thread(read)

    async def close(self) -> None:
        """Nothing to release."""


def _read_value(key: str, value: Any) -> Any:
    if key in JSON_FIELDS and isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    if key in BOOL_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return bool(value)
    return value


class JarvisDataLayer(SQLAlchemyDataLayer):
    """Chainlit's SQLAlchemy data layer on Jarvis's database, same shapes on both backends."""

    def __init__(self, database_url: str, files_dir: Path) -> None:
        super().__init__(
            conninfo=async_url(database_url).render_as_string(hide_password=False),
            storage_provider=LocalFileStorage(files_dir),
        )
        wire_chat_engine(self.engine)

    async def execute_sql(
        self, query: str, parameters: dict[str, Any]
    ) -> list[dict[str, Any]] | int | None:
        """Run Chainlit's SQL; rows come back with JSON decoded and booleans as bools."""
        result = await super().execute_sql(query, parameters)
        if isinstance(result, list):
            return [{k: _read_value(k, v) for k, v in row.items()} for row in result]
        return result

    async def get_element(self, thread_id: str, element_id: str) -> ElementDict | None:
        """One element (the upstream version json-decodes props a second time and fails)."""
        rows = await self.execute_sql(
            'SELECT * FROM elements WHERE "threadId" = :thread_id AND "id" = :element_id',
            {"thread_id": thread_id, "element_id": element_id},
        )
        if not isinstance(rows, list) or not rows:
            return None
        row = rows[0]
        props = row.get("props")
        return ElementDict(
            id=row["id"],
            threadId=row.get("threadId"),
            type=row["type"],
            chainlitKey=row.get("chainlitKey"),
            url=row.get("url"),
            objectKey=row.get("objectKey"),
            name=row["name"],
            props=props if isinstance(props, dict) else {},
            display=row["display"],
            size=row.get("size"),
            language=row.get("language"),
            page=row.get("page"),
            autoPlay=row.get("autoPlay"),
            playerConfig=row.get("playerConfig"),
            forId=row.get("forId"),
            mime=row.get("mime"),
        )


@cl.password_auth_callback
async def password_login(username: str, password: str) -> cl.User | None:
    """Check a web sign-in against the accounts, rate-limited per username and address."""
    try:
        state = get_state()
        account = await state.accounts.login(
            username, password, state.limiter, CLIENT_ADDRESS.get()
        )
    except Exception as exc:
        log.exception("login_crashed", error=type(exc).__name__)
        return None
    if account is None:
        return None
    role = "admin" if account.is_admin else "user"
    # "tv": the account's token version; a later logout or password change revokes this token.
    meta = {"role": role, "provider": "credentials", "tv": account.token_version}
    return cl.User(identifier=account.username, metadata=meta)


@cl.on_logout
async def logout(request: Request, _response: Response) -> dict[str, bool]:
    """Signing out ends every session of the account (open sockets too), not only this cookie."""
    token = get_token_from_cookies(request.cookies)
    if not token:
        return {"success": True}
    try:
        user = decode_jwt(token)
    except jwt.InvalidTokenError:
        return {"success": True}
    accounts = get_state().accounts
    account = await accounts.get(user.identifier)
    # Only a current token may end the sessions: a stolen revoked one must not log you out.
    if account is None or user.metadata.get("tv") != account.token_version:
        return {"success": True}
    await accounts.revoke_sessions(user.identifier, "logout")
    await disconnect_sockets(user.identifier)
    return {"success": True}


async def disconnect_sockets(username: str) -> None:
    """Close this process's open chat sockets of one person (their tokens were revoked)."""
    for session in list(ws_sessions_id.values()):
        if session.user is not None and session.user.identifier == username:
            await sio.disconnect(session.socket_id)


@cl.data_layer
def data_layer() -> BaseDataLayer:
    """Chat history in Jarvis's own database; element files in the data dir."""
    settings = get_state().settings
    return JarvisDataLayer(settings.resolved_database_url, settings.data_dir / "chat-files")


async def close_data_layer() -> None:
    """Close Chainlit's data layer if it was opened (mounted, Chainlit's lifespan never runs)."""
    layer = cl_data._data_layer
    cl_data._data_layer = None
    cl_data._data_layer_initialized = False
    if layer is not None:
        await layer.close()


__all__ = [
    "JarvisDataLayer",
    "LocalFileStorage",
    "close_data_layer",
    "data_layer",
    "password_login",
]
