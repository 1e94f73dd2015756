"""`jarvis ask`: one chat turn from the terminal, through the same graph as the web chat."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer

from ui.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    JSON_OPT,
    actor_or_exit,
    emit,
    fail,
    run_with_runtime,
    settings_or_exit,
)

if TYPE_CHECKING:
    from agent.router.types import Inventory
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


def _offline_plan(text: str, inventory: Inventory | None = None) -> TurnResult | None:
    """The router's plan without the agent stack; None when only the language model can plan."""
    import asyncio

    from agent.inventory import read_inventory
    from agent.plan import offline_plan

    settings = settings_or_exit()
    if inventory is None:
        inventory = asyncio.run(read_inventory(settings, text))
    return offline_plan(text, inventory, fallback=settings.llm_configured)


def _spoken(audio: Path, as_json: bool) -> tuple[str, Inventory, dict[str, object]]:
    """What `audio` says, the inventory heard with, and its JSON; unsure: shown back, exit 1."""
    from agent.voice.listen import did_you_mean
    from ui.cli.voice_cmd import hear_file, heard_json

    heard, inventory = hear_file(audio, settings_or_exit())
    facts = heard_json(heard)
    if not heard.transcript.confident:
        emit({"transcript": facts, "ran": False}, as_json, lambda: did_you_mean(heard.transcript))
        raise typer.Exit(EXIT_FAILURE)
    if not as_json:
        typer.echo(f"heard: {heard.transcript.text}")
    return heard.transcript.text, inventory, facts


def ask(
    text: str = typer.Argument(None, help="What to ask, e.g. 'restart plex'"),
    audio: Path = typer.Option(
        None, "--audio", help="Say it instead: a recording (WAV ...), transcribed on this server"
    ),
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
    if (text is None) == (audio is None):
        fail("give either what to ask or --audio FILE", EXIT_BAD_INPUT)
    inventory: Inventory | None = None
    heard: dict[str, object] | None = None
    if audio is not None:
        text, inventory, heard = _spoken(audio, as_json)

    def show(result: TurnResult) -> None:
        # A spoken request's JSON carries what was heard beside the usual result.
        value = result if heard is None else {**result.model_dump(mode="json"), "transcript": heard}
        emit(value, as_json, lambda: _human(result))

    if plan and model == "offline":
        planned = _offline_plan(text, inventory)
        if planned is not None:
            show(planned)
            return

    async def go(rt: Runtime) -> TurnResult:
        # Imported here: the agent stack takes seconds to import and `--help` does not need it.
        from agent.models import build_model
        from agent.service import Agent

        async with Agent.open(rt, build_model(rt, model)) as agent:
            if plan:
                return await agent.plan(text)
            # Spoken: every change of this turn waits for a person, the transcript shown.
            return await agent.turn(text, thread_id=thread, actor=who, spoken=heard is not None)

    # A plan runs nothing, so it has no approval or finding to publish.
    show(run_with_runtime(go, publish=not plan))
