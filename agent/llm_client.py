"""The OpenAI-compatible chat client: ChatOpenAI whose failures name the endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_openai import ChatOpenAI

from agent.llm import ENDPOINT_NOTE, MalformedReplyError, endpoint_host

# What response parsing raises when a field it needs is missing or of the wrong type.
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError)


class EndpointChatOpenAI(ChatOpenAI):
    """ChatOpenAI whose failures name the endpoint host and tell bad replies apart."""

    def _note(self, exc: BaseException) -> None:
        host = endpoint_host(self.openai_api_base)
        note = f"{ENDPOINT_NOTE}{host}"
        if host and note not in getattr(exc, "__notes__", ()):
            exc.add_note(note)

    def _create_chat_result(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super()._create_chat_result(*args, **kwargs)
        except _PARSE_ERRORS as exc:
            raise MalformedReplyError("the reply is not a chat completion") from exc

    def _convert_chunk_to_generation_chunk(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super()._convert_chunk_to_generation_chunk(*args, **kwargs)
        except _PARSE_ERRORS as exc:
            raise MalformedReplyError("a streamed chunk is not a completion chunk") from exc

    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super()._generate(*args, **kwargs)
        except Exception as exc:
            self._note(exc)
            raise

    async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super()._agenerate(*args, **kwargs)
        except Exception as exc:
            self._note(exc)
            raise

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        try:
            replied = False
            for chunk in super()._stream(*args, **kwargs):
                replied = replied or _carries_reply(chunk)
                yield chunk
            if not replied:
                raise MalformedReplyError(_EMPTY_STREAM)
        except Exception as exc:
            self._note(exc)
            raise

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        try:
            replied = False
            async for chunk in super()._astream(*args, **kwargs):
                replied = replied or _carries_reply(chunk)
                yield chunk
            if not replied:
                raise MalformedReplyError(_EMPTY_STREAM)
        except Exception as exc:
            self._note(exc)
            raise


_EMPTY_STREAM = "the stream carried no text, no tool call and no finish reason"


def _carries_reply(chunk: Any) -> bool:
    """Whether a streamed chunk holds any part of a completion (a real stream always does)."""
    info = getattr(chunk, "generation_info", None) or {}
    message = getattr(chunk, "message", None)
    metadata = getattr(message, "response_metadata", None) or {}
    return bool(
        getattr(message, "content", None)
        or getattr(message, "tool_call_chunks", None)
        or info.get("finish_reason")
        or metadata.get("finish_reason")
    )
