"""Choosing the brain: the offline router (with an LLM as fallback), the LLM alone, or a script."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from langchain_core.language_models import BaseChatModel

from agent.inventory import load_inventory
from agent.llm import build_llm
from agent.router import Inventory
from agent.router.model import OfflineRouter
from agent.runtime import Runtime
from agent.scripted import ScriptedChatModel
from core.errors import BadInput

ModelKind = Literal["offline", "scripted", "openai"]


def inventory_source(runtime: Runtime) -> Callable[[], Awaitable[Inventory]]:
    """Live container names for resolving what the person typed; empty if Docker is down."""

    async def load() -> Inventory:
        return await load_inventory(runtime.deps)

    return load


def build_model(runtime: Runtime, kind: ModelKind = "offline") -> BaseChatModel:
    """The chat model for a front end: `offline` is the default everywhere."""
    if kind == "scripted":
        return ScriptedChatModel(responses=[])
    # None without a configured endpoint; the OpenAI client is then never imported.
    llm = build_llm(runtime.settings)
    if kind == "offline":
        return OfflineRouter(inventory=inventory_source(runtime), fallback=llm)
    if llm is None:
        raise BadInput("no language model is configured (set JARVIS_LLM_BASE_URL or _API_KEY)")
    return llm
