"""Which browser session shows which thread, so replies made elsewhere reach it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import chainlit as cl
from chainlit.context import init_ws_context
from chainlit.session import WebsocketSession

from core.logging import get_logger
from policies.gate import CallContext

log = get_logger("chat.live")
_sessions: dict[str, str] = {}  # thread id -> websocket session id (this process only)


def remember(thread_id: str | None, session_id: str) -> None:
    """Note that this session shows this thread."""
    if thread_id:
        _sessions[thread_id] = session_id


async def push(thread_id: str, send: Callable[[], Awaitable[None]]) -> bool:
    """Run `send` in the context of the live session showing the thread, if there is one."""
    session_id = _sessions.get(thread_id)
    session = WebsocketSession.get_by_id(session_id) if session_id else None
    if session is None:
        return False
    init_ws_context(session)
    try:
        await send()
    except Exception as exc:  # the browser may have gone; the reply is in the checkpoint
        log.warning("push_failed", error_type=type(exc).__name__)
        return False
    return True


def call_context() -> CallContext:
    """The gate's context for a call made from the current chat session."""
    return CallContext(actor=actor(), thread_id=cl.context.session.thread_id)


def actor() -> str:
    """The actor for the signed-in person of the current session."""
    user = cl.user_session.get("user")
    name = getattr(user, "identifier", None) or "anonymous"
    return f"user:{name}"
