"""Which browser session shows which thread, so replies made elsewhere reach it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import chainlit as cl
from chainlit.context import ChainlitContextException, init_ws_context
from chainlit.session import WebsocketSession, ws_sessions_id

from core.logging import get_logger
from policies.gate import CallContext

log = get_logger("chat.live")
_sessions: dict[str, str] = {}  # thread id -> websocket session id (this process only)
# Websocket session id -> approval id -> the cards drawn for it there, so an answer given
# elsewhere can update them in place (this process only).
_cards: dict[str, dict[str, list[cl.CustomElement]]] = {}
MAX_CARDS = 200  # approvals remembered per session; the oldest are forgotten first


def remember(thread_id: str | None, session_id: str) -> None:
    """Note that this session shows this thread."""
    if thread_id:
        _sessions[thread_id] = session_id


def remember_card(approval_id: str, element: cl.CustomElement) -> None:
    """Note an approval card drawn in the current session."""
    try:
        session_id = cl.context.session.id
    except ChainlitContextException:
        return  # drawn outside a chat session: nothing will need updating
    cards = _cards.setdefault(session_id, {})
    cards.setdefault(approval_id, []).append(element)
    while len(cards) > MAX_CARDS:
        cards.pop(next(iter(cards)))


def cards(session_id: str, approval_id: str) -> list[cl.CustomElement]:
    """The cards of an approval that a session shows."""
    return list(_cards.get(session_id, {}).get(approval_id, []))


def open_sessions() -> list[WebsocketSession]:
    """The connected chat sessions of signed-in people in this process; forgets closed ones."""
    # Imported here: the server module reads Chainlit's config, which the app sets up first.
    from chainlit.server import sio

    for gone in set(_cards) - set(ws_sessions_id):
        _cards.pop(gone, None)
    # A closed tab's session lingers (for a reconnect) but nobody sees it: skip it.
    return [
        s
        for s in list(ws_sessions_id.values())
        if s.user is not None and sio.manager.is_connected(s.socket_id, "/")
    ]


async def push(thread_id: str, send: Callable[[], Awaitable[None]]) -> bool:
    """Run `send` in the context of the live session showing the thread, if there is one."""
    session_id = _sessions.get(thread_id)
    session = WebsocketSession.get_by_id(session_id) if session_id else None
    if session is None:
        return False
    return await push_to(session, send)


async def push_to(session: WebsocketSession, send: Callable[[], Awaitable[None]]) -> bool:
    """Run `send` in the context of one live session; False if it could not be sent."""
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
