"""The scripted chat model: replies in order, streams tool calls intact, runs inside LangGraph."""

from __future__ import annotations

import time
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.messages.tool import ToolCall
from langchain_core.tools import tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from pydantic import BaseModel

from agent.messages import LLM, SOURCE_KEY, source_of
from agent.scripted import FINAL_TEXT, ScriptedChatModel


class RestartContainer(BaseModel):
    """Restart one Docker container by name."""

    name: str


@tool
def list_containers(all: bool = False) -> str:
    """List the Docker containers."""
    return "plex (running), sonarr (exited)"


CALL = {"name": "list_containers", "args": {"all": True}, "id": "call_list_1"}


def aggregate(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


def test_replies_in_order_then_the_final_text() -> None:
    model = ScriptedChatModel(
        responses=[AIMessage(content="first"), "second", lambda ms: AIMessage(f"{len(ms)} seen")]
    )
    assert model.remaining == 3
    assert model.invoke("a").content == "first"
    assert model.invoke("b").content == "second"
    assert model.invoke([HumanMessage("c"), HumanMessage("d")]).content == "2 seen"
    assert model.remaining == 0
    assert model.invoke("e").content == FINAL_TEXT
    assert [len(call) for call in model.calls] == [1, 1, 2, 1]


def test_replies_are_marked_as_the_llms() -> None:
    reply = ScriptedChatModel(responses=["hi"]).invoke("hello")
    assert reply.response_metadata[SOURCE_KEY] == LLM
    assert source_of(reply) == LLM


def test_a_step_sees_the_conversation() -> None:
    seen: list[list[BaseMessage]] = []

    def answer(messages: list[BaseMessage]) -> AIMessage:
        seen.append(messages)
        return AIMessage(content=f"you said {messages[-1].content}")

    model = ScriptedChatModel(responses=[answer])
    assert model.invoke("status").content == "you said status"
    assert seen[0][-1].content == "status"


def test_bind_tools_records_them_and_returns_the_model() -> None:
    model = ScriptedChatModel()
    bound = model.bind_tools([RestartContainer, list_containers], tool_choice="auto")
    assert bound is model
    assert [t["function"]["name"] for t in model.tools] == ["RestartContainer", "list_containers"]
    assert model.tool_choice == "auto"


def test_bad_step_is_refused() -> None:
    with pytest.raises(TypeError, match="response 1 is a int"):
        ScriptedChatModel(responses=["ok", 42])


async def test_stream_keeps_text_and_tool_calls() -> None:
    scripted = AIMessage(content="Let me look at the containers.", tool_calls=[CALL])
    model = ScriptedChatModel(responses=[scripted, scripted])
    chunks = [chunk async for chunk in model.astream("what runs?")]
    total = aggregate(chunks)

    assert len([c for c in chunks if c.content]) > 3
    assert sum(1 for c in chunks if c.tool_call_chunks) == 2
    assert total.content == scripted.content
    assert total.tool_calls == scripted.tool_calls
    assert total.response_metadata[SOURCE_KEY] == LLM
    assert total.response_metadata["finish_reason"] == "tool_calls"
    # Invoking gives the same message the stream adds up to.
    invoked = await model.ainvoke("again")
    assert invoked.tool_calls == total.tool_calls


def test_sync_stream_gives_missing_ids_and_several_calls() -> None:
    calls: list[ToolCall] = [
        {"name": "restart", "args": {"name": "plex"}, "id": None},
        {"name": "restart", "args": {"name": "sonarr", "force": True}, "id": None},
    ]
    model = ScriptedChatModel(responses=[AIMessage(content="", tool_calls=calls)])
    total = aggregate(list(model.stream("restart both")))

    assert [c["args"] for c in total.tool_calls] == [c["args"] for c in calls]
    ids = [c["id"] for c in total.tool_calls]
    assert all(ids) and len(set(ids)) == 2
    assert total.content == ""


async def test_latency_is_per_call() -> None:
    model = ScriptedChatModel(responses=["a", "b"], latency=0.2)
    started = time.monotonic()
    await model.ainvoke("x")
    _ = [c async for c in model.astream("y")]
    assert time.monotonic() - started >= 0.4


def build_graph(model: ScriptedChatModel) -> Any:
    bound = model.bind_tools([list_containers])

    async def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await bound.ainvoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode([list_containers]))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition, {"tools": "tools", END: END})
    graph.add_edge("tools", "agent")
    return graph.compile()


def summary(messages: list[BaseMessage]) -> AIMessage:
    result = next(m for m in reversed(messages) if isinstance(m, ToolMessage))
    return AIMessage(content=f"Here is what runs: {result.content}.")


async def test_inside_a_graph_streaming_messages() -> None:
    model = ScriptedChatModel(
        responses=[AIMessage(content="Checking.", tool_calls=[CALL]), summary]
    )
    graph = build_graph(model)
    chunks: list[AIMessageChunk] = []
    final: dict[str, Any] = {}
    async for mode, item in graph.astream(
        {"messages": [HumanMessage("what runs?")]}, stream_mode=["messages", "values"]
    ):
        if mode == "values":
            final = item
            continue
        message, metadata = item
        if metadata["langgraph_node"] == "agent":
            assert isinstance(message, AIMessageChunk)
            chunks.append(message)

    # Chunks of both model turns arrived one by one; the first turn adds up to the tool call.
    by_turn: dict[str | None, list[AIMessageChunk]] = {}
    for chunk in chunks:
        by_turn.setdefault(chunk.id, []).append(chunk)
    first, second = (aggregate(turn) for turn in by_turn.values())
    assert len(chunks) > 6
    assert first.tool_calls == [{**CALL, "type": "tool_call"}]
    assert second.content == "Here is what runs: plex (running), sonarr (exited)."

    messages = final["messages"]
    assert [type(m).__name__ for m in messages] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
    ]
    assert messages[1].tool_calls == [{**CALL, "type": "tool_call"}]
    assert messages[2].tool_call_id == CALL["id"]
    assert source_of(messages[3]) == LLM
    assert model.remaining == 0


def test_inside_a_graph_sync() -> None:
    model = ScriptedChatModel(responses=[AIMessage(content="", tool_calls=[CALL]), summary])
    bound = model.bind_tools([list_containers])
    graph = StateGraph(MessagesState)
    graph.add_node("agent", lambda state: {"messages": [bound.invoke(state["messages"])]})
    graph.add_node("tools", ToolNode([list_containers]))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition, {"tools": "tools", END: END})
    graph.add_edge("tools", "agent")
    streamed = [
        message
        for message, _ in graph.compile().stream(
            {"messages": [HumanMessage("what runs?")]}, stream_mode="messages"
        )
        if isinstance(message, AIMessageChunk)
    ]
    assert "".join(str(m.content) for m in streamed).endswith("sonarr (exited).")
    assert any(m.tool_call_chunks for m in streamed)
