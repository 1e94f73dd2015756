"""A chat model that replays a script: for tests, benchmarks and `jarvis eval --model scripted`."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import ToolCall, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field, PrivateAttr, SkipValidation

from agent.messages import LLM, SOURCE_KEY

# A step is a fixed reply, or a function of the conversation so far (e.g. to echo a tool result).
ScriptStep = AIMessage | str | Callable[[list[BaseMessage]], AIMessage]

FINAL_TEXT = "That is all I have for now."
# Words with their trailing space, so the pieces join back to the exact text.
_PIECES = re.compile(r"\S+\s*|\s+")


class ScriptedChatModel(BaseChatModel):
    """Answers each call with the next scripted step, streaming text and tool calls alike."""

    # Checked by hand: pydantic would try to coerce a plain string into an AIMessage.
    responses: SkipValidation[list[ScriptStep]] = Field(default_factory=list)
    final_text: str = FINAL_TEXT
    latency: float = Field(default=0.0, ge=0.0)
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    tools: list[dict[str, Any]] = Field(default_factory=list)
    tool_choice: str | None = None

    _cursor: int = PrivateAttr(default=0)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def model_post_init(self, context: Any, /) -> None:
        """Refuse a script step that is not a message, a string or a callable."""
        super().model_post_init(context)
        self.responses = list(self.responses)
        for n, step in enumerate(self.responses):
            if not (isinstance(step, AIMessage | str) or callable(step)):
                raise TypeError(f"response {n} is a {type(step).__name__}, not an AIMessage")

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"responses": len(self.responses), "latency": self.latency}

    @property
    def remaining(self) -> int:
        """How many scripted responses have not been used yet."""
        with self._lock:
            return max(0, len(self.responses) - self._cursor)

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Record the tools (in OpenAI's format) and return this same model."""
        self.tools = [convert_to_openai_tool(tool) for tool in tools]
        self.tool_choice = tool_choice
        return self

    # -- the script -----------------------------------------------------------------------------

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        with self._lock:
            self.calls.append(list(messages))
            index = self._cursor
            self._cursor += 1
        # The step runs outside the lock, so a slow callable does not hold up other calls.
        step = self.responses[index] if index < len(self.responses) else self.final_text
        if isinstance(step, AIMessage):
            reply = step
        elif isinstance(step, str):
            reply = AIMessage(content=step)
        else:
            reply = step(list(messages))
        return _stamp(reply, index)

    # -- BaseChatModel --------------------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.latency:
            time.sleep(self.latency)
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.latency:
            await asyncio.sleep(self.latency)
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if self.latency:
            time.sleep(self.latency)
        for chunk in _chunks(self._next(messages)):
            if run_manager and isinstance(chunk.message.content, str):
                run_manager.on_llm_new_token(chunk.message.content, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        if self.latency:
            await asyncio.sleep(self.latency)
        for chunk in _chunks(self._next(messages)):
            if run_manager and isinstance(chunk.message.content, str):
                await run_manager.on_llm_new_token(chunk.message.content, chunk=chunk)
            yield chunk


def _stamp(reply: AIMessage, index: int) -> AIMessage:
    """The reply marked as the LLM's, each tool call with an id (streaming needs one)."""
    calls: list[ToolCall] = [
        {
            "name": call["name"],
            "args": call["args"],
            "id": call.get("id") or f"call_{index}_{n}",
            "type": "tool_call",
        }
        for n, call in enumerate(reply.tool_calls)
    ]
    return reply.model_copy(
        update={
            "tool_calls": calls,
            "response_metadata": {**reply.response_metadata, SOURCE_KEY: LLM},
        }
    )


def _chunks(reply: AIMessage) -> Iterator[ChatGenerationChunk]:
    """The reply as a stream: text in word pieces, then each tool call's arguments in halves."""
    finish = "tool_calls" if reply.tool_calls else "stop"
    pieces: list[AIMessageChunk] = []
    if isinstance(reply.content, str):
        pieces += [AIMessageChunk(content=piece) for piece in _PIECES.findall(reply.content)]
    elif reply.content:
        pieces.append(AIMessageChunk(content=reply.content))
    for index, call in enumerate(reply.tool_calls):
        args = json.dumps(call["args"])
        middle = len(args) // 2
        # As OpenAI streams them: id and name once, then the arguments JSON in pieces.
        pieces.append(
            AIMessageChunk(
                content="",
                tool_call_chunks=[
                    tool_call_chunk(
                        name=call["name"], args=args[:middle], id=call["id"], index=index
                    )
                ],
            )
        )
        pieces.append(
            AIMessageChunk(
                content="",
                tool_call_chunks=[
                    tool_call_chunk(name=None, args=args[middle:], id=None, index=index)
                ],
            )
        )
    if not pieces:
        pieces.append(AIMessageChunk(content=""))
    # Merging concatenates equal strings, so the source mark rides on one chunk only.
    pieces[0].response_metadata = {**pieces[0].response_metadata, SOURCE_KEY: LLM}
    for piece in pieces:
        yield ChatGenerationChunk(message=piece)
    last = AIMessageChunk(
        content="",
        response_metadata={"finish_reason": finish},
        usage_metadata=reply.usage_metadata,
        chunk_position="last",
    )
    yield ChatGenerationChunk(message=last, generation_info={"finish_reason": finish})
