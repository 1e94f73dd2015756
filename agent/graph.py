"""The chat graph: model -> gated tools -> model, pausing on approvals, bounded in steps."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import interrupt

from agent.llm import describe_llm_error
from agent.messages import LLM, SOURCE_KEY, read_outcome, tool_message
from agent.prompts import SYSTEM_PROMPT
from agent.toolspec import model_tools, registry_name
from core.errors import JarvisError
from core.logging import get_logger
from policies.gate import CallContext, Gate
from policies.outcome import Invocation, ToolOutcome
from policies.provenance import Provenance

log = get_logger("agent")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")
# A call set aside while its approval waited is asked again under this suffix when the card is
# answered; it keeps the original call's idempotency key, so the gate finds the decided approval.
RESUMED = "~resumed"


class ChatState(TypedDict, total=False):
    """The checkpointed conversation: messages, who speaks, steps taken this turn."""

    messages: Annotated[list[AnyMessage], add_messages]
    actor: str
    steps: int
    deferred: bool
    spoken: str  # the transcript when this turn was spoken, else ""


def call_key(thread_id: str, call_id: str) -> str:
    """An idempotency key unique to one tool call of one thread, in the gate's alphabet."""
    raw = f"t:{thread_id}:{call_id.removesuffix(RESUMED)}"
    safe = _KEY_UNSAFE.sub("-", raw)
    if len(safe) > 150 or safe != raw:
        return "t:" + hashlib.sha256(raw.encode()).hexdigest()
    return safe


def _provenance(messages: list[AnyMessage]) -> Provenance:
    """What the thread has seen: the person's words, and tool output that others control."""
    prov = Provenance()
    for message in messages:
        if isinstance(message, HumanMessage):
            prov.add_typed(message.content)
        elif isinstance(message, ToolMessage):
            outcome = read_outcome(message)
            if outcome.get("untrusted"):
                # Data and message alike: a failure's message can quote the service's reply.
                prov.add_untrusted([outcome.get("data"), outcome.get("message")])
    return prov


def _last_ai(messages: list[AnyMessage]) -> AIMessage | None:
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            return message
    return None


def _turn_calls(messages: list[AnyMessage]) -> list[ToolMessage]:
    """Tool results since the person last spoke."""
    out: list[ToolMessage] = []
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            break
        if isinstance(message, ToolMessage):
            out.append(message)
    return list(reversed(out))


def forced_final(messages: list[AnyMessage], max_steps: int) -> str:
    """The answer given when the step limit is reached: what ran, and that it stopped."""
    lines = [f"I stopped after {max_steps} steps without finishing. What happened so far:"]
    for message in _turn_calls(messages):
        outcome = read_outcome(message)
        text = outcome.get("message") or outcome.get("status", "done")
        lines.append(f"- {registry_name(message.name or '?')}: {text}")
    if len(lines) == 1:
        lines.append("- no tool was run")
    return "\n".join(lines)


class ChatGraph:
    """Builds the compiled graph around one model and the gate."""

    def __init__(self, model: BaseChatModel, gate: Gate, max_steps: int) -> None:
        self.gate = gate
        self.max_steps = max_steps
        self.model = model.bind_tools(model_tools(gate.registry))

    async def call_model(self, state: ChatState, config: RunnableConfig) -> dict[str, Any]:
        """One model step; at the step limit a summary replaces the model's answer."""
        messages = state.get("messages", [])
        steps = state.get("steps", 0)
        if steps >= self.max_steps:
            text = forced_final(messages, self.max_steps)
            return {"messages": [AIMessage(content=text)], "steps": steps}
        try:
            reply = await self.model.ainvoke([SystemMessage(SYSTEM_PROMPT), *messages], config)
        except Exception as exc:
            # A failing model is reported in the chat, never raised into it.
            log.warning("model_failed", error_type=type(exc).__name__)
            reply = AIMessage(content=describe_llm_error(exc), response_metadata={SOURCE_KEY: LLM})
        return {"messages": [reply], "steps": steps + 1}

    async def _invoke(self, ctx: CallContext, thread_id: str, call: dict[str, Any]) -> ToolOutcome:
        name = registry_name(str(call.get("name", "")))
        args = call.get("args") or {}
        ctx.idempotency_key = call_key(thread_id, str(call.get("id") or name))
        try:
            if not isinstance(args, dict):
                raise JarvisError("tool arguments must be a JSON object")
            return await self.gate.invoke(ctx, name, args)
        except JarvisError as exc:
            message = exc.message
        except Exception as exc:
            log.exception("tool_call_crashed", tool=name, error_type=type(exc).__name__)
            message = f"{name} failed unexpectedly ({type(exc).__name__})"
        invocation = Invocation(tool=name, args={}, actor=ctx.actor, resource="")
        return ToolOutcome(status="error", invocation=invocation, message=message)

    async def run_tools(self, state: ChatState, config: RunnableConfig) -> dict[str, Any]:
        """Run the last AI message's calls through the gate; wait while approvals are open."""
        messages = state.get("messages", [])
        ai = _last_ai(messages)
        if ai is None or not ai.tool_calls:
            return {}
        thread_id = str(config.get("configurable", {}).get("thread_id", "none"))
        ctx = CallContext(
            actor=state.get("actor", "user:admin"),
            thread_id=thread_id,
            spoken=state.get("spoken") or None,
            provenance=_provenance(messages),
        )
        calls = [dict(c) for c in ai.tool_calls]
        # This node runs again from the top when resumed: writes are replayed through their
        # idempotency keys, so nothing already done is done twice.
        outcomes = [await self._invoke(ctx, thread_id, c) for c in calls]
        deferred = False
        while waiting := [i for i, o in enumerate(outcomes) if o.status == "approval_required"]:
            answer = interrupt({"approval_ids": [outcomes[i].approval_id for i in waiting]})
            if isinstance(answer, dict) and answer.get("defer"):
                # The person moved on: the waiting calls stay pending and the turn ends here.
                deferred = True
                break
            for i in waiting:
                outcomes[i] = await self._invoke(ctx, thread_id, calls[i])
        return {
            "messages": [
                tool_message(str(c.get("id")), str(c.get("name")), o)
                for c, o in zip(calls, outcomes, strict=True)
            ],
            "deferred": deferred,
        }

    @staticmethod
    def after_model(state: ChatState) -> Literal["tools", "__end__"]:
        """Tools when the model asked for some, else the turn is over."""
        ai = _last_ai(state.get("messages", []))
        return "tools" if ai is not None and ai.tool_calls else "__end__"

    @staticmethod
    def after_tools(state: ChatState) -> Literal["model", "__end__"]:
        """Back to the model, unless the batch was set aside to wait for its approvals."""
        return "__end__" if state.get("deferred") else "model"

    def compile(self, checkpointer: BaseCheckpointSaver[str] | None) -> CompiledStateGraph[Any]:
        """The runnable graph, checkpointed."""
        graph = StateGraph(ChatState)
        graph.add_node("model", self.call_model)
        graph.add_node("tools", self.run_tools)
        graph.add_edge(START, "model")
        graph.add_conditional_edges("model", self.after_model, ["tools", END])
        graph.add_conditional_edges("tools", self.after_tools, ["model", END])
        return graph.compile(checkpointer=checkpointer)
