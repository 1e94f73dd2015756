"""`jarvis tools`: list tools and call one through the policy gate."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from ui.cli.common import (
    EXIT_FAILURE,
    JSON_OPT,
    actor_or_exit,
    emit,
    fail,
    parse_json_object,
    run_with_runtime,
    settings_or_exit,
)
from ui.cli.local_client import ServerFailed, call_through_server

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from core.settings import Settings
    from policies.outcome import ToolOutcome

app = typer.Typer(help="List the tools Jarvis has, or call one (always through the policy).")


@app.command("list")
def list_tools(as_json: bool = JSON_OPT) -> None:
    """List every tool with its risk, the resource it touches and what it does."""
    # Imported here: the tools (Docker, DNS, SSH clients) are slow to import; `--help` skips them.
    from tools.catalog import build_registry

    specs = build_registry().specs()
    rows = [
        {"name": s.name, "risk": s.risk, "resource": s.resource, "description": s.description}
        for s in specs
    ]
    emit(
        rows,
        as_json,
        lambda: "\n".join(
            f"{r['name']:<30} {r['risk']:<12} {r['resource']:<20} "
            f"{_first_sentence(r['description'], 70)}"
            for r in rows
        ),
    )


def _first_sentence(text: str, width: int = 100) -> str:
    sentence = text.split(". ", maxsplit=1)[0].split("\n", maxsplit=1)[0]
    return sentence if len(sentence) <= width else sentence[: width - 1] + "…"


def _human(outcome: dict[str, Any]) -> str:
    # Works on the outcome as JSON, whether this process or a running server made it.
    head = f"{outcome['invocation']['tool']} [{outcome['status']}]"
    if outcome["status"] == "approval_required":
        return (
            f"{head}: {outcome.get('message')}\n"
            f"approve with: jarvis approvals approve {outcome.get('approval_id')}"
        )
    body = outcome.get("message") or json.dumps(outcome.get("data"), indent=2, default=str)
    return f"{head}\n{body}"


@app.command("call")
def call(
    name: str = typer.Argument(..., help="Tool name, e.g. docker.restart_container"),
    args: str = typer.Option("{}", "--args", help='Arguments as JSON, e.g. \'{"name": "plex"}\''),
    actor: str = typer.Option(None, "--actor", help="user:NAME (default: you) or agent:autonomous"),
    as_json: bool = JSON_OPT,
) -> None:
    """Call one tool. Changes need approval unless a policy rule allows them.

    A running `jarvis serve` of the same data dir takes the call (same policy, same audit log);
    without one, it runs in this process.
    """
    parsed = parse_json_object(args)
    who = actor_or_exit(actor)
    settings = settings_or_exit(logs=False)
    try:
        outcome = call_through_server(settings.data_dir, name, parsed, who)
    except ServerFailed as exc:
        fail(exc.message, exc.code)
    if outcome is None:
        outcome = _in_process(settings, name, parsed, who)
    emit(outcome, as_json, lambda: _human(outcome))
    if outcome["status"] in ("error", "denied"):
        raise typer.Exit(EXIT_FAILURE)


def _in_process(settings: Settings, name: str, args: dict[str, Any], actor: str) -> dict[str, Any]:
    """Call the tool through the gate in this process."""
    # Imported here: the policy stack (SQLAlchemy) is slow to import; `--help` and a call
    # answered by a running server skip it.
    from policies.gate import CallContext
    from tools.catalog import registry_for

    ctx = CallContext(actor=actor)

    async def go(rt: Runtime) -> ToolOutcome:
        return await rt.gate.invoke(ctx, name, args)

    # Only the tool's own family: the others' client libraries would load for nothing.
    outcome = run_with_runtime(go, registry=registry_for(name), settings=settings)
    return outcome.model_dump(mode="json", exclude_none=True)
