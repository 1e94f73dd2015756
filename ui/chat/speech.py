"""Spoken replies: off by default, a switch in the chat settings; the browser reads them aloud.

The words are spoken by the browser's own speech synthesis (public/elements/SpeakReply.jsx), so
no audio is made on the server or sent anywhere.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import chainlit as cl
from chainlit.input_widget import InputWidget, Switch

SETTING = "speak_replies"
MAX_SPOKEN = 300  # characters: a reply's opening, not a table read out row by row
_CODE = re.compile(r"```.*?```", re.S)
_MARKUP = re.compile(r"[`*_#>|]+")
_URL = re.compile(r"https?://\S+")


async def offer() -> None:
    """Put the switch in the chat settings (off unless the person turned it on)."""
    switch: list[InputWidget] = [
        Switch(id=SETTING, label="Read replies aloud (in this browser)", initial=False)
    ]
    await cl.ChatSettings(switch).send()


def wanted() -> bool:
    """Whether the person asked for replies to be read aloud in this chat."""
    return bool((cl.context.session.chat_settings or {}).get(SETTING))


def speakable(reply: str) -> str:
    """The opening of a reply as plain words: no code, markup or links."""
    text = _URL.sub("a link", _MARKUP.sub(" ", _CODE.sub(" ", reply)))
    text = " ".join(text.split())
    if len(text) <= MAX_SPOKEN:
        return text
    cut = text[:MAX_SPOKEN]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    return cut[: end + 1] if end > 0 else cut.rsplit(" ", 1)[0]


def element(reply: str) -> cl.CustomElement | None:
    """The element that reads the reply aloud, when the person wants it and there are words."""
    words = speakable(reply)
    if not wanted() or not words:
        return None
    at = datetime.now(UTC).isoformat()
    return cl.CustomElement(name="SpeakReply", props={"text": words, "at": at})
