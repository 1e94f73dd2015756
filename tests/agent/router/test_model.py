"""The router as a chat model: tool calls, replies, streaming, graphs and the fallback."""

from __future__ import annotations

import asyncio
import operator
from collections.abc import AsyncIterator
from functools import reduce
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langgraph.graph import END, START, MessagesState, StateGraph
from pydantic import Field

from agent.messages import LLM, ROUTER, SOURCE_KEY, source_of, tool_message
from agent.router import Calls, Inventory
from agent.router.model import CLARIFY_KEY, OfflineRouter
from agent.toolspec import model_tools, registry_name
from policies.outcome import Invocation, ToolOutcome
from tests.agent.router import results as r
from tests.agent.router.conftest import HOMELAB, REGISTRY, validate

TOOLS = model_tools(REGISTRY)


async def homelab() -> Inventory:
    return HOMELAB


async def docker_down() -> Inventory:
    raise ConnectionError("Docker is not running")


class FakeLLM(BaseChatModel):
    """A stand-in language model: answers, fails, stalls or returns garbage."""

    reply: BaseMessage = Field(default_factory=lambda: AIMessage(content="from the llm"))
    error: Exception | None = None
    delay: float = 0.0
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    bound: list[Any] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "fake"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        self.bound.extend(tools)
        return self

    async def _agenerate(self, messages: list[BaseMessage], *a: Any, **k: Any) -> ChatResult:
        self.seen.append(list(messages))
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return ChatResult(generations=[ChatGeneration(message=self.reply)])

    def _generate(self, *a: Any, **k: Any) -> ChatResult:
        raise NotImplementedError


class StreamingLLM(FakeLLM):
    """A language model that streams its answer in pieces, and may fail halfway."""

    fail_after: int | None = None

    async def _astream(
        self, messages: list[BaseMessage], *a: Any, **k: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        self.seen.append(list(messages))
        for i, word in enumerate(["from ", "the ", "llm"]):
            if self.fail_after is not None and i == self.fail_after:
                raise TimeoutError
            yield ChatGenerationChunk(message=AIMessageChunk(content=word))


def router(fallback: BaseChatModel | None = None, **kw: Any) -> Any:
    return OfflineRouter(inventory=homelab, fallback=fallback, **kw).bind_tools(TOOLS)


async def aggregate(model: Any, messages: list[BaseMessage]) -> AIMessageChunk:
    chunks = [c async for c in model.astream(messages)]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    return reduce(operator.add, chunks)


def results_for(ai: AIMessage, outcomes: list[ToolOutcome]) -> list[ToolMessage]:
    return [
        tool_message(str(c["id"]), str(c["name"]), o)
        for c, o in zip(ai.tool_calls, outcomes, strict=True)
    ]


def ok(tool: str, data: Any) -> ToolOutcome:
    invocation = Invocation(tool=tool, args={}, actor="user:admin", resource="x")
    return ToolOutcome(status="ok", invocation=invocation, data=data.model_dump(mode="json"))


async def test_a_request_becomes_tool_calls() -> None:
    reply = await router().ainvoke([SystemMessage("sys"), HumanMessage("restart plex and n8n")])
    assert isinstance(reply, AIMessage)
    assert reply.content == ""
    assert source_of(reply) == ROUTER
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("docker__restart_container", {"name": "plex"}),
        ("docker__restart_container", {"name": "n8n"}),
    ]
    assert all(
        c["id"] and c["id"].startswith("r-") and c["type"] == "tool_call" for c in reply.tool_calls
    )
    assert len({c["id"] for c in reply.tool_calls}) == 2
    for c in reply.tool_calls:
        REGISTRY.get(registry_name(c["name"])).args_model.model_validate(c["args"])


async def test_without_bound_tools_names_are_the_registrys() -> None:
    reply = await OfflineRouter(inventory=homelab).ainvoke([HumanMessage("restart plex")])
    assert reply.tool_calls[0]["name"] == "docker.restart_container"


async def test_bind_tools_returns_a_router_copy() -> None:
    base = OfflineRouter(inventory=homelab)
    bound = base.bind_tools(TOOLS, tool_choice="auto")
    assert isinstance(bound, OfflineRouter)
    assert bound.bound_tools == TOOLS and bound.bound_kwargs == {"tool_choice": "auto"}
    assert base.bound_tools == []


async def test_tool_results_get_a_templated_reply() -> None:
    model = router()
    human = HumanMessage("restart plex")
    ai = await model.ainvoke([human])
    done = results_for(ai, [ok("docker.restart_container", r.lifecycle("plex", "restart"))])
    reply = await model.ainvoke([human, ai, *done])
    assert str(reply.content).startswith("Restarted plex")
    assert not reply.tool_calls
    assert source_of(reply) == ROUTER


async def test_approval_outcome_is_explained() -> None:
    model = router()
    human = HumanMessage("stop n8n")
    ai = await model.ainvoke([human])
    invocation = Invocation(tool="docker.stop_container", args={}, actor="user:admin", resource="x")
    waiting = ToolOutcome(
        status="approval_required", invocation=invocation, approval_id="ap-9", reason="asks"
    )
    reply = await model.ainvoke([human, ai, *results_for(ai, [waiting])])
    assert "Stopping n8n needs your approval (asks)" in str(reply.content)
    assert "jarvis approvals approve ap-9" in str(reply.content)


async def test_a_question_and_its_answer() -> None:
    model = router()
    first = HumanMessage("show the last 20 lines of plx logs")
    question = await model.ainvoke([first])
    assert question.content == "Which one do you mean: plex or plex-db?"
    assert question.response_metadata[CLARIFY_KEY]["options"] == ["plex", "plex-db"]
    reply = await model.ainvoke([first, question, HumanMessage("plex-db")])
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("docker__container_logs", {"name": "plex-db", "tail": 20})
    ]


async def test_a_new_request_after_a_question_is_routed_as_such() -> None:
    model = router()
    first = HumanMessage("restart plx")
    question = await model.ainvoke([first])
    reply = await model.ainvoke([first, question, HumanMessage("show disk space")])
    assert [c["name"] for c in reply.tool_calls] == ["system__disks", "docker__disk_usage"]


async def test_no_match_without_fallback_explains_what_it_can_do() -> None:
    reply = await router().ainvoke([HumanMessage("I love plex")])
    assert "Offline I can" in str(reply.content)
    # Without a model it says how to get one (a local Ollama works).
    assert "JARVIS_LLM_BASE_URL" in str(reply.content) and "Ollama" in str(reply.content)
    assert not reply.tool_calls
    assert source_of(reply) == ROUTER


async def test_inventory_failure_does_not_raise() -> None:
    model = OfflineRouter(inventory=docker_down)
    reply = await model.ainvoke([HumanMessage("restart plex")])
    assert "could not find any containers" in str(reply.content)
    reply = await model.ainvoke([HumanMessage("how is the server doing")])
    assert [c["name"] for c in reply.tool_calls] == ["system.overview", "docker.list_containers"]


async def test_plan_returns_the_routing() -> None:
    planned = await OfflineRouter(inventory=homelab).plan("restart plex and show logs of n8n")
    assert isinstance(planned, Calls)
    assert [c.tool for c in planned.calls] == ["docker.restart_container", "docker.container_logs"]
    validate(planned.calls)


async def test_streamed_tool_calls_aggregate_to_the_calls() -> None:
    model = router()
    message = [HumanMessage("restart plex and show the logs of n8n")]
    whole = await model.ainvoke(message)
    streamed = await aggregate(model, message)
    assert [(c["name"], c["args"]) for c in streamed.tool_calls] == [
        (c["name"], c["args"]) for c in whole.tool_calls
    ]
    assert streamed.response_metadata[SOURCE_KEY] == ROUTER
    assert not streamed.invalid_tool_calls


async def test_streamed_text_comes_word_by_word() -> None:
    model = router()
    chunks = [c async for c in model.astream([HumanMessage("restart plx")])]
    assert len([c for c in chunks if c.content]) > 3
    whole = reduce(operator.add, chunks)
    assert whole.content == "Which one do you mean: plex or plex-db?"
    assert whole.response_metadata[SOURCE_KEY] == ROUTER
    assert whole.response_metadata[CLARIFY_KEY]["retry"] == "restart {choice}"


def graph(model: Any) -> Any:
    async def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", call_model)
    builder.add_edge(START, "model")
    builder.add_edge("model", END)
    return builder.compile()


async def stream_graph(model: Any, text: str) -> tuple[list[AIMessageChunk], AIMessage]:
    app = graph(model)
    chunks: list[AIMessageChunk] = []
    async for chunk, _meta in app.astream(
        {"messages": [HumanMessage(text)]}, stream_mode="messages"
    ):
        assert isinstance(chunk, AIMessageChunk)
        chunks.append(chunk)
    state = await app.ainvoke({"messages": [HumanMessage(text)]})
    return chunks, state["messages"][-1]


async def test_graph_streams_tool_calls() -> None:
    chunks, final = await stream_graph(router(), "restart plex and n8n")
    streamed = reduce(operator.add, chunks)
    expected = [
        ("docker__restart_container", {"name": "plex"}),
        ("docker__restart_container", {"name": "n8n"}),
    ]
    assert [(c["name"], c["args"]) for c in streamed.tool_calls] == expected
    assert [(c["name"], c["args"]) for c in final.tool_calls] == expected
    assert source_of(final) == ROUTER


async def test_graph_streams_text_tokens() -> None:
    chunks, final = await stream_graph(router(), "restart jellyfin")
    assert len(chunks) > 3
    assert "".join(str(c.content) for c in chunks) == final.content
    assert str(final.content).startswith("There is no container called")


async def test_fallback_answers_what_the_router_cannot() -> None:
    llm = FakeLLM()
    reply = await router(llm).ainvoke([SystemMessage("sys"), HumanMessage("tell me a joke")])
    assert reply.content == "from the llm"
    assert source_of(reply) == LLM
    assert [m.content for m in llm.seen[0]] == ["sys", "tell me a joke"]
    assert llm.bound == TOOLS


async def test_fallback_is_not_asked_when_the_router_knows() -> None:
    llm = FakeLLM()
    reply = await router(llm).ainvoke([HumanMessage("restart plex")])
    assert reply.tool_calls and not llm.seen


async def test_fallback_streams_once_through_a_graph() -> None:
    llm = StreamingLLM()
    chunks, final = await stream_graph(router(llm), "tell me a joke")
    assert "".join(str(c.content) for c in chunks) == "from the llm"
    assert final.content == "from the llm"
    assert source_of(final) == LLM


@pytest.mark.parametrize(
    ("llm", "reason"),
    [
        (
            FakeLLM(error=ConnectionError("connection refused")),
            "ConnectionError: connection refused",
        ),
        (FakeLLM(delay=5.0), "no answer within 0.05 s"),
        (FakeLLM(reply=HumanMessage("garbage")), "TypeError: the model returned HumanMessage"),
        (
            FakeLLM(error=ValueError("bad key sk-abcdefghijklmnopqrstuvwxyz123456")),
            "ValueError: bad key",
        ),
    ],
)
async def test_fallback_failure_is_a_sentence(llm: FakeLLM, reason: str) -> None:
    model = router(llm, fallback_timeout=0.05)
    for reply in (
        await model.ainvoke([HumanMessage("tell me a joke")]),
        await aggregate(model, [HumanMessage("tell me a joke")]),
    ):
        text = str(reply.content)
        assert text.startswith(f"The language model could not answer ({reason}")
        assert "here is what I can do offline:" in text
        assert "sk-abcdefghijklmnopqrstuvwxyz123456" not in text
        assert source_of(reply) == ROUTER
        assert not reply.tool_calls


async def test_fallback_failing_mid_stream_adds_the_reason() -> None:
    streamed = await aggregate(router(StreamingLLM(fail_after=2)), [HumanMessage("a joke")])
    assert str(streamed.content).startswith("from the \n\nThe language model could not answer")
    assert streamed.response_metadata[SOURCE_KEY] == LLM


async def test_results_of_llm_calls_go_back_to_the_llm() -> None:
    llm = FakeLLM(reply=AIMessage(content="plex restarted, all good"))
    ai = AIMessage(
        content="",
        tool_calls=[
            {
                "name": "docker__restart_container",
                "args": {"name": "plex"},
                "id": "c1",
                "type": "tool_call",
            }
        ],
        response_metadata={SOURCE_KEY: LLM},
    )
    done = results_for(ai, [ok("docker.restart_container", r.lifecycle("plex", "restart"))])
    reply = await router(llm).ainvoke([HumanMessage("fix plex somehow"), ai, *done])
    assert reply.content == "plex restarted, all good"
    assert source_of(reply) == LLM


async def test_results_of_llm_calls_are_rendered_when_the_llm_fails() -> None:
    llm = FakeLLM(error=RuntimeError("endpoint down"))
    ai = AIMessage(
        content="",
        tool_calls=[
            {
                "name": "docker__restart_container",
                "args": {"name": "plex"},
                "id": "c1",
                "type": "tool_call",
            }
        ],
        response_metadata={SOURCE_KEY: LLM},
    )
    done = results_for(ai, [ok("docker.restart_container", r.lifecycle("plex", "restart"))])
    reply = await router(llm).ainvoke([HumanMessage("fix plex somehow"), ai, *done])
    text = str(reply.content)
    assert text.startswith("The language model could not answer (RuntimeError: endpoint down)")
    assert "here is what the tools returned:\n\nRestarted plex" in text


async def test_router_results_never_go_to_the_llm() -> None:
    llm = FakeLLM()
    model = router(llm)
    human = HumanMessage("restart plex")
    ai = await model.ainvoke([human])
    done = results_for(ai, [ok("docker.restart_container", r.lifecycle("plex", "restart"))])
    reply = await model.ainvoke([human, ai, *done])
    assert str(reply.content).startswith("Restarted plex") and not llm.seen


def test_sync_invoke_runs_the_router() -> None:
    reply = OfflineRouter(inventory=homelab).invoke([HumanMessage("restart plex")])
    assert reply.tool_calls[0]["args"] == {"name": "plex"}
