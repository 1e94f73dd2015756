"""The agent as front ends use it: one turn, a plan, and resuming after an approval."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, AnyMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from agent.checkpoints import open_checkpointer
from agent.graph import RESUMED, ChatGraph
from agent.messages import read_outcome
from agent.runtime import Runtime
from agent.toolspec import model_tools, registry_name
from agent.turn import ToolCallRecord, TurnResult
from core.errors import BadInput
from policies.outcome import ApprovalView
from policies.wording import sentence

OnToken = Callable[[str], Awaitable[None]]
MAX_TEXT = 4000


def _records(messages: list[AnyMessage], new: list[AnyMessage]) -> list[ToolCallRecord]:
    """The tool calls answered among the new messages, with their outcomes."""
    asked = {
        str(c.get("id")): c for m in messages if isinstance(m, AIMessage) for c in m.tool_calls
    }
    out = []
    for message in new:
        if not isinstance(message, ToolMessage):
            continue
        outcome = read_outcome(message)
        call = asked.get(message.tool_call_id)
        name = call["name"] if call else (message.name or "?")
        call_args: dict[str, Any] = dict(call["args"]) if call else {}
        out.append(
            ToolCallRecord(
                name=registry_name(name),
                args=(outcome.get("invocation") or {}).get("args") or call_args,
                status=outcome.get("status", "error"),
                message=outcome.get("message"),
                approval_id=outcome.get("approval_id"),
                data=outcome.get("data"),
            )
        )
    return out


def set_aside_call(messages: list[AnyMessage], approval_id: str) -> dict[str, Any] | None:
    """The call that was set aside waiting for this approval, unless it was asked again since."""
    waited = (
        read_outcome(m) | {"id": m.tool_call_id} for m in messages if isinstance(m, ToolMessage)
    )
    call_id = next(
        (
            o["id"]
            for o in waited
            if o.get("status") == "approval_required" and o.get("approval_id") == approval_id
        ),
        None,
    )
    if call_id is None:
        return None
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    if call_id + RESUMED in answered:
        return None
    calls = (c for m in messages if isinstance(m, AIMessage) for c in m.tool_calls)
    found = next((c for c in calls if c.get("id") == call_id), None)
    return dict(found) if found is not None else None


def waiting_text(approvals: list[ApprovalView]) -> str:
    """What the person is told while a change waits for them."""
    lines = []
    for a in approvals:
        lines.append(
            f"{sentence(a)}. It needs your approval: approve or reject it on the card, with "
            f"`jarvis approvals approve {a.id}`, or through the API."
        )
    return "\n".join(lines) or "Waiting for an approval."


class Agent:
    """The chat graph with its checkpointer, bound to one runtime."""

    def __init__(self, runtime: Runtime, model: BaseChatModel, graph: CompiledStateGraph[Any]):
        self.runtime = runtime
        self.model = model
        self.graph = graph
        self._locks: dict[str, asyncio.Lock] = {}

    @classmethod
    @asynccontextmanager
    async def open(cls, runtime: Runtime, model: BaseChatModel) -> AsyncIterator[Agent]:
        """An agent whose checkpoints live in the runtime's database."""
        url = runtime.settings.resolved_database_url
        async with open_checkpointer(url) as saver:
            chat = ChatGraph(model, runtime.gate, runtime.settings.agent_max_steps)
            yield cls(runtime, model, chat.compile(saver))

    def _lock(self, thread_id: str) -> asyncio.Lock:
        return self._locks.setdefault(thread_id, asyncio.Lock())

    async def _messages(self, config: RunnableConfig) -> list[AnyMessage]:
        snapshot = await self.graph.aget_state(config)
        return list(snapshot.values.get("messages", []))

    async def _run(self, graph_input: Any, thread_id: str, on_token: OnToken | None) -> TurnResult:
        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        before = len(await self._messages(config))
        async for chunk, meta in self.graph.astream(graph_input, config, stream_mode="messages"):
            node = meta.get("langgraph_node") if isinstance(meta, dict) else None
            if (
                on_token is not None
                and node == "model"
                and isinstance(chunk, AIMessageChunk)
                and isinstance(chunk.content, str)
                and chunk.content
            ):
                await on_token(chunk.content)
        snapshot = await self.graph.aget_state(config)
        messages = list(snapshot.values.get("messages", []))
        new = messages[before:]
        records = _records(messages, new)
        approval_ids = [
            str(i) for intr in snapshot.interrupts for i in intr.value.get("approval_ids", [])
        ]
        approvals = [
            self.runtime.gate.approvals.view(await self.runtime.gate.approvals.get(i))
            for i in approval_ids
        ]
        if approvals:
            reply = waiting_text(approvals)
            # The paused batch has no tool messages yet; its waiting calls are listed here.
            known = {r.approval_id for r in records}
            records += [
                ToolCallRecord(
                    name=a.tool, args=a.args, status="approval_required", approval_id=a.id
                )
                for a in approvals
                if a.id not in known
            ]
        else:
            last = new[-1] if new else None
            reply = str(last.content) if isinstance(last, AIMessage) else ""
        return TurnResult(
            reply=reply[:MAX_TEXT] or "(no reply)",
            thread_id=thread_id,
            tool_calls=records,
            approvals=approvals,
            waiting=bool(approvals),
        )

    async def turn(
        self,
        text: str,
        *,
        thread_id: str | None = None,
        actor: str = "user:admin",
        on_token: OnToken | None = None,
        spoken: bool = False,
    ) -> TurnResult:
        """One message from a person (or an alert) through the graph; `spoken`: transcribed."""
        text = text.strip()
        if not text:
            raise BadInput("the message is empty")
        if len(text) > 8000:
            raise BadInput("the message is longer than 8000 characters")
        thread_id = thread_id or str(uuid.uuid4())
        async with self._lock(thread_id):
            config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
            if (await self.graph.aget_state(config)).interrupts:
                await self._set_aside(config)
            graph_input = {
                "messages": [HumanMessage(text)],
                "actor": actor,
                "steps": 0,
                "deferred": False,
                "spoken": text if spoken else "",
            }
            return await self._run(graph_input, thread_id, on_token)

    async def _set_aside(self, config: RunnableConfig) -> None:
        """End a turn paused on approvals: its calls stay pending on their cards."""
        # A new message must not wait for an unanswered card; the card's answer resumes the
        # call later (after_decision), in the same thread.
        async for _ in self.graph.astream(Command(resume={"defer": True}), config):
            pass

    async def plan(self, text: str) -> TurnResult:
        """The tool calls the model would make first for this message; nothing runs."""
        bound = self.model.bind_tools(model_tools(self.runtime.registry))
        reply = await bound.ainvoke([HumanMessage(text.strip())])
        calls = reply.tool_calls if isinstance(reply, AIMessage) else []
        records = [
            ToolCallRecord(name=registry_name(c["name"]), args=c["args"], status="planned")
            for c in calls
        ]
        words = (
            str(reply.content)
            if not records
            else "Would run: " + ", ".join(f"{r.name}({r.args})" for r in records)
        )
        return TurnResult(reply=words, thread_id="plan", tool_calls=records)

    async def after_decision(
        self, view: ApprovalView, on_token: OnToken | None = None
    ) -> TurnResult | None:
        """Resume the thread that waits on this approval; None when nothing waits on it."""
        if view.thread_id is None or view.status == "pending":
            return None
        config: RunnableConfig = {"configurable": {"thread_id": view.thread_id}}
        async with self._lock(view.thread_id):
            snapshot = await self.graph.aget_state(config)
            waiting = {
                str(i) for intr in snapshot.interrupts for i in intr.value.get("approval_ids", [])
            }
            if view.id in waiting:
                return await self._run(
                    Command(resume={"approval_id": view.id}), view.thread_id, on_token
                )
            call = set_aside_call(list(snapshot.values.get("messages", [])), view.id)
            if call is None:
                return None
            if snapshot.interrupts:
                await self._set_aside(config)
            # The call is asked again under the same idempotency key: the gate finds the
            # decided approval and runs (or refuses) it; the model then answers as usual.
            again = AIMessage(content="", tool_calls=[{**call, "id": call["id"] + RESUMED}])
            await self.graph.aupdate_state(
                config, {"messages": [again], "deferred": False}, as_node="model"
            )
            return await self._run(None, view.thread_id, on_token)
