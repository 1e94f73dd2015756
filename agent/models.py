"""Choosing the brain: the offline router (with an LLM as fallback), the LLM alone, or a script."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

from langchain_core.language_models import BaseChatModel

from agent.llm import build_llm
from agent.router import ContainerInfo, Inventory, OfflineRouter
from agent.runtime import Runtime
from agent.scripted import ScriptedChatModel
from core.errors import BadInput
from core.logging import get_logger

log = get_logger("agent.models")
ModelKind = Literal["offline", "scripted", "openai"]


def inventory_source(runtime: Runtime) -> Callable[[], Awaitable[Inventory]]:
    """Live container names for resolving what the person typed; empty if Docker is down."""

    def read() -> list[ContainerInfo]:
        out = []
        for row in runtime.deps.docker.api.containers(all=True):
            labels = row.get("Labels") or {}
            for name in row.get("Names") or []:
                out.append(
                    ContainerInfo(
                        name=str(name).lstrip("/"),
                        state=row.get("State"),
                        project=labels.get("com.docker.compose.project"),
                        service=labels.get("com.docker.compose.service"),
                        ports=sorted(
                            {
                                int(p["PrivatePort"])
                                for p in row.get("Ports") or []
                                if p.get("PrivatePort") and p.get("Type", "tcp") == "tcp"
                            }
                        ),
                    )
                )
        return sorted(out, key=lambda c: c.name)

    async def load() -> Inventory:
        try:
            return Inventory(containers=await asyncio.to_thread(read))
        except Exception as exc:
            log.warning("inventory_unavailable", error_type=type(exc).__name__)
            return Inventory(containers=[], complete=False)

    return load


def build_model(runtime: Runtime, kind: ModelKind = "offline") -> BaseChatModel:
    """The chat model for a front end: `offline` is the default everywhere."""
    llm = build_llm(runtime.settings)
    if kind == "offline":
        return OfflineRouter(inventory=inventory_source(runtime), fallback=llm)
    if kind == "openai":
        if llm is None:
            raise BadInput("no language model is configured (set JARVIS_LLM_BASE_URL or _API_KEY)")
        return llm
    return ScriptedChatModel(responses=[])
