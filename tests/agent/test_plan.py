"""`offline_plan` gives the plan the router gives as a chat model, without that stack."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from agent.plan import offline_plan
from agent.router import Inventory
from agent.router.model import OfflineRouter
from agent.toolspec import model_tools, registry_name
from agent.turn import ToolCallRecord, TurnResult
from tests.agent.router.conftest import HOMELAB, REGISTRY

DOCKER_DOWN = Inventory(containers=[], complete=False)
PHRASES = [
    "restart plex",
    "  restart plex  ",
    "show my containers",
    "what is using my cpu",
    "logs of n8n",
    "restart plx",
    "restart all containers",
    "stop it",
    "restart plex and show the logs of n8n",
    "when do my certs expire",
    "please compose a poem about the sea",
    "",
]


def through_the_chat_model(text: str, inventory: Inventory) -> TurnResult:
    """The plan as `Agent.plan` builds it from the router bound to every tool."""

    async def inv() -> Inventory:
        return inventory

    bound = OfflineRouter(inventory=inv).bind_tools(model_tools(REGISTRY))
    reply = asyncio.run(bound.ainvoke([HumanMessage(text.strip())]))
    assert isinstance(reply, AIMessage)
    records = [
        ToolCallRecord(name=registry_name(c["name"]), args=c["args"], status="planned")
        for c in reply.tool_calls
    ]
    words = (
        str(reply.content)
        if not records
        else "Would run: " + ", ".join(f"{r.name}({r.args})" for r in records)
    )
    return TurnResult(reply=words, thread_id="plan", tool_calls=records)


@pytest.mark.parametrize("inventory", [HOMELAB, DOCKER_DOWN], ids=["homelab", "docker-down"])
@pytest.mark.parametrize("text", PHRASES)
def test_the_plan_is_the_chat_models_plan(text: str, inventory: Inventory) -> None:
    planned = offline_plan(text, inventory, fallback=False)
    assert planned is not None
    assert planned.model_dump() == through_the_chat_model(text, inventory).model_dump()


def test_a_matched_request_lists_its_calls_as_planned() -> None:
    planned = offline_plan("restart plex", HOMELAB, fallback=False)
    assert planned is not None
    assert [(c.name, c.args, c.status) for c in planned.tool_calls] == [
        ("docker.restart_container", {"name": "plex"}, "planned")
    ]
    assert planned.reply == "Would run: docker.restart_container({'name': 'plex'})"


def test_with_a_model_to_ask_only_an_unmatched_request_is_left_to_it() -> None:
    assert offline_plan("please compose a poem about the sea", HOMELAB, fallback=True) is None
    matched = offline_plan("restart plex", HOMELAB, fallback=True)
    assert matched == offline_plan("restart plex", HOMELAB, fallback=False)
    clarify = offline_plan("restart plx", HOMELAB, fallback=True)
    assert clarify is not None and clarify.tool_calls == []
    assert clarify.reply == "Which one do you mean: plex or plex-db?"
