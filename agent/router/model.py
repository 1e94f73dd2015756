"""The offline router as a LangChain chat model, with an optional LLM to hand over to."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolCall,
    ToolCallChunk,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.constants import TAG_NOSTREAM
from pydantic import Field

from agent.messages import LLM, ROUTER, SOURCE_KEY, read_outcome, source_of
from agent.router import help as helptext
from agent.router.intents import answer, route
from agent.router.replies import render_reply
from agent.router.types import Calls, Clarify, Inventory, NoMatch, PlannedCall, Routed
from agent.toolspec import registry_name
from core.redaction import redact_text

# Where a router question keeps what it asked, so the answer can resume the request.
CLARIFY_KEY = "jarvis_clarify"
_WORDS = re.compile(r"\S+\s*|\s+")


@dataclass
class _Handover:
    """The fallback should answer; `offline` is what to say if it cannot."""

    offline: str


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts = [p if isinstance(p, str) else str(p.get("text", "")) for p in content]
    return " ".join(p for p in parts if p)


def _reason(exc: BaseException, timeout: float) -> str:
    """A short, secret-free reason for a failed model call."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    detail = redact_text(" ".join(str(exc).split()))[:120]
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _results(
    messages: Sequence[BaseMessage],
) -> tuple[AIMessage | None, list[tuple[PlannedCall, dict[str, Any]]]]:
    """The AI message whose calls the trailing tool messages answer, and the results."""
    tail: list[ToolMessage] = []
    for message in reversed(messages):
        if not isinstance(message, ToolMessage):
            break
        tail.insert(0, message)
    index = len(messages) - len(tail) - 1
    ai = messages[index] if index >= 0 and isinstance(messages[index], AIMessage) else None
    calls = {c["id"]: c for c in ai.tool_calls} if isinstance(ai, AIMessage) else {}
    out = []
    for message in tail:
        call = calls.get(message.tool_call_id)
        name = call["name"] if call else (message.name or "?")
        args = dict(call["args"]) if call else {}
        out.append((PlannedCall(tool=registry_name(name), args=args), read_outcome(message)))
    return (ai if isinstance(ai, AIMessage) else None), out


def _marked(message: AIMessage, source: str) -> AIMessage:
    return message.model_copy(
        update={"response_metadata": {**message.response_metadata, SOURCE_KEY: source}}
    )


class OfflineRouter(BaseChatModel):
    """Deterministic routing of everyday homelab requests, speaking as a chat model."""

    inventory: Callable[[], Awaitable[Inventory]]
    fallback: BaseChatModel | None = None
    fallback_timeout: float = 120.0
    bound_tools: list[Any] = Field(default_factory=list)
    bound_kwargs: dict[str, Any] = Field(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "jarvis-offline-router"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """A copy that still routes, remembering the tools to bind on the fallback."""
        extra = dict(kwargs)
        if tool_choice is not None:
            extra["tool_choice"] = tool_choice
        return self.model_copy(update={"bound_tools": list(tools), "bound_kwargs": extra})

    async def plan(self, text: str) -> Routed:
        """What the router would do with this message (nothing runs)."""
        return route(text, await self._inventory())

    async def _inventory(self) -> Inventory:
        try:
            return await self.inventory()
        except Exception:
            # Names then resolve to nothing and the reply says no container was found.
            return Inventory(containers=[], complete=False)

    def _spellings(self) -> dict[str, str]:
        """Registry names to the names the bound tools use (`docker__restart_container`)."""
        out: dict[str, str] = {}
        for spec in self.bound_tools:
            try:
                name = str(convert_to_openai_tool(spec)["function"]["name"])
            except (ValueError, TypeError, KeyError, NotImplementedError):
                continue
            out[registry_name(name)] = name
        return out

    def _own(self, content: str, **extra: Any) -> AIMessage:
        return AIMessage(content=content, response_metadata={SOURCE_KEY: ROUTER, **extra})

    def _routed(self, routed: Routed) -> AIMessage:
        if isinstance(routed, Calls):
            spelled = self._spellings()
            calls = [
                ToolCall(
                    name=spelled.get(c.tool, c.tool), args=dict(c.args), id="r-" + uuid4().hex,
                    type="tool_call",
                )
                for c in routed.calls
            ]  # fmt: skip
            return AIMessage(content="", tool_calls=calls, response_metadata={SOURCE_KEY: ROUTER})
        if isinstance(routed, Clarify):
            return self._own(routed.question, **{CLARIFY_KEY: routed.model_dump()})
        return self._own(routed.help)

    def _resume(self, messages: Sequence[BaseMessage], text: str, inv: Inventory) -> str | None:
        """The earlier request, completed, when this message answers a router question."""
        if len(messages) < 2 or source_of(messages[-2]) != ROUTER:
            return None
        asked = messages[-2].response_metadata.get(CLARIFY_KEY)
        if not isinstance(asked, dict):
            return None
        try:
            clarify = Clarify.model_validate(asked)
        except ValueError:
            return None
        return answer(text, clarify, inv)

    async def _decide(self, messages: Sequence[BaseMessage]) -> AIMessage | _Handover:
        """The router's own reply, or a handover to the fallback."""
        last = messages[-1] if messages else None
        if isinstance(last, HumanMessage):
            inv = await self._inventory()
            text = _text(last)
            routed = route(self._resume(messages, text, inv) or text, inv)
            if isinstance(routed, NoMatch) and self.fallback is not None:
                offline = "here is what I can do offline: " + helptext.offline_help(text, inv)
                return _Handover(offline)
            if isinstance(routed, NoMatch):
                routed = routed.model_copy(update={"help": f"{routed.help} {helptext.NO_MODEL}"})
            return self._routed(routed)
        if isinstance(last, ToolMessage):
            ai, results = _results(messages)
            reply = render_reply(results)
            if self.fallback is None or (ai is not None and source_of(ai) == ROUTER):
                return self._own(reply)
            return _Handover("here is what the tools returned:\n\n" + reply)
        if self.fallback is not None:
            return _Handover(f"here is what I can do offline: {helptext.ABILITIES}.")
        return self._own(helptext.CAN_DO)

    def _fallback(self) -> Runnable[LanguageModelInput, BaseMessage]:
        if self.fallback is None:
            raise RuntimeError("no fallback model")
        if self.bound_tools:
            return self.fallback.bind_tools(self.bound_tools, **self.bound_kwargs)
        return self.fallback

    def _failed(self, exc: BaseException, offline: str) -> str:
        reason = _reason(exc, self.fallback_timeout)
        return f"The language model could not answer ({reason}); {offline}"

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        decision = await self._decide(messages)
        if isinstance(decision, _Handover):
            decision = await self._delegate(messages, decision)
        return ChatResult(generations=[ChatGeneration(message=decision)])

    async def _delegate(
        self,
        messages: list[BaseMessage],
        handover: _Handover,
    ) -> AIMessage:
        # Tagged so a graph's message stream shows the reply once, as this model's.
        config: RunnableConfig = {"tags": [TAG_NOSTREAM]}
        try:
            reply = await asyncio.wait_for(
                self._fallback().ainvoke(messages, config), self.fallback_timeout
            )
            if not isinstance(reply, AIMessage):
                raise TypeError(f"the model returned {type(reply).__name__}, not a message")
        except Exception as exc:
            return self._own(self._failed(exc, handover.offline))
        return _marked(reply, LLM)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        decision = await self._decide(messages)
        if isinstance(decision, AIMessage):
            for chunk in _chunks(decision):
                yield chunk
            return
        yielded = False
        try:
            stream = self._fallback().astream(messages, {"tags": [TAG_NOSTREAM]})
            iterator = aiter(stream)
            while True:
                try:
                    piece = await asyncio.wait_for(anext(iterator), self.fallback_timeout)
                except StopAsyncIteration:
                    break
                if not isinstance(piece, AIMessageChunk):
                    raise TypeError(f"the model returned {type(piece).__name__}, not a message")
                meta = {k: v for k, v in piece.response_metadata.items() if k != SOURCE_KEY}
                update = {"id": None, "response_metadata": meta, "chunk_position": None}
                yield ChatGenerationChunk(message=piece.model_copy(update=update))
                yielded = True
        except Exception as exc:
            text = self._failed(exc, decision.offline)
            words = _WORDS.findall(("\n\n" if yielded else "") + text)
            for word in words:
                yield ChatGenerationChunk(message=AIMessageChunk(content=word))
        source = LLM if yielded else ROUTER
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="", response_metadata={SOURCE_KEY: source}, chunk_position="last"
            )
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._agenerate(messages, stop=stop))
        raise NotImplementedError("OfflineRouter runs asynchronously: use ainvoke or astream")


def _chunks(message: AIMessage) -> list[ChatGenerationChunk]:
    """A finished reply as stream chunks: words of text, or one chunk per tool call."""
    meta = dict(message.response_metadata)
    out: list[ChatGenerationChunk] = []
    for index, call in enumerate(message.tool_calls):
        piece = ToolCallChunk(
            name=call["name"], args=json.dumps(call["args"]), id=call["id"], index=index,
            type="tool_call_chunk",
        )  # fmt: skip
        out.append(
            ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[piece]))
        )
    text = message.content if isinstance(message.content, str) else _text(message)
    out += [ChatGenerationChunk(message=AIMessageChunk(content=w)) for w in _WORDS.findall(text)]
    # The metadata travels once: merging chunks would concatenate repeated strings.
    out.append(
        ChatGenerationChunk(
            message=AIMessageChunk(content="", response_metadata=meta, chunk_position="last")
        )
    )
    return out
