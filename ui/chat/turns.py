"""One turn of the chat, typed or spoken: the agent answers, streaming, with its widgets."""

from __future__ import annotations

import chainlit as cl

from core.errors import JarvisError
from core.logging import get_logger
from ui.chat import live, progress, render
from ui.web.state import get_state

log = get_logger("chat")
UNEXPECTED = "Something went wrong on my side; nothing further was changed. Details are in the log."


async def run_turn(text: str, *, spoken: bool = False) -> None:
    """Hand the words to the agent as the signed-in person; errors become one clear reply."""
    state = get_state()
    if state.agent is None:
        await cl.Message(content="The agent is not running.").send()
        return
    reply = cl.Message(content="")

    async def on_token(token: str) -> None:
        await reply.stream_token(token)

    try:
        with progress.following():
            result = await state.agent.turn(
                text,
                thread_id=cl.context.session.thread_id,
                actor=live.actor(),
                on_token=on_token,
                spoken=spoken,
            )
    except JarvisError as exc:
        reply.content = exc.message
        await (reply.update() if reply.streaming else reply.send())
        return
    except Exception as exc:
        log.exception("turn_crashed", spoken=spoken, error_type=type(exc).__name__)
        reply.content = UNEXPECTED
        await (reply.update() if reply.streaming else reply.send())
        return
    await render.send_result(result, reply)
