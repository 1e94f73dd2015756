"""`jarvis ask`: one chat turn from the terminal, through the same graph as the web chat."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import typer

from ui.cli.common import JSON_OPT, actor_or_exit, emit, run_with_runtime, settings_or_exit

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from agent.turn import TurnResult
    from policies.outcome import ApprovalView

ModelKind = Literal["offline", "openai"]


def waiting_lines(approvals: list[ApprovalView]) -> list[str]:
    """How to answer each waiting change from this terminal (the chat's reply speaks of cards)."""
    from policies.wording import (
        sentence,
    )  # pydantic models: loaded when a change waits, not at start

    lines = []
    for a in approvals:
        lines += [
            f"{sentence(a)}. It needs your approval; answer here with:",
            f"  jarvis approvals approve {a.id}",
            f"  jarvis approvals reject {a.id}",
        ]
    return lines


def _human(result: TurnResult) -> str:
    waiting = [a for a in result.approvals if a.status == "pending"] if result.waiting else []
    lines = waiting_lines(waiting) if waiting else [result.reply]
    for call in result.tool_calls:
        lines.append(f"  [{call.status}] {call.name} {call.args}")
    if result.waiting:
        lines.append(f"(thread {result.thread_id} waits for approval)")
    return "\n".join(lines)


def _offline_plan(text: str) -> TurnResult | None:
    """The router's plan without the agent stack; None when only the language model can plan."""
    import asyncio

    from agent.inventory import read_inventory
    from agent.plan import offline_plan

    settings = settings_or_exit()
    inventory = asyncio.run(read_inventory(settings))
    return offline_plan(text, inventory, fallback=settings.llm_configured)


def ask(
    text: str = typer.Argument(..., help="What to ask, e.g. 'restart plex'"),
    thread: str = typer.Option(None, "--thread", help="Continue this conversation"),
    plan: bool = typer.Option(False, "--plan", help="Show the tool calls; run nothing"),
    model: ModelKind = typer.Option(
        "offline", "--model", help="offline (router, LLM as fallback) or openai"
    ),
    actor: str = typer.Option(None, "--actor", help="Who asks (default: you)"),
    as_json: bool = JSON_OPT,
) -> None:
    """Ask Jarvis something; changes wait for approval like everywhere else."""
    who = actor_or_exit(actor)
    if plan and model == "offline":
        planned = _offline_plan(text)
        if planned is not None:
            emit(planned, as_json, lambda: _human(planned))
            return

    async def go(rt: Runtime) -> TurnResult:
        # Imported here: the agent stack takes seconds to import and `--help` does not need it.
        from agent.models import build_model
        from agent.service import Agent

        async with Agent.open(rt, build_model(rt, model)) as agent:
            if plan:
                return await agent.plan(text)
            return await agent.turn(text, thread_id=thread, actor=who)

    # A plan runs nothing, so it has no approval or finding to publish.
    result = run_with_runtime(go, publish=not plan)
    emit(result, as_json, lambda: _human(result))
