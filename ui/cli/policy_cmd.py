"""`jarvis policy`: ask what the policy would decide, and validate policy files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from core.errors import BadInput
from ui.cli.common import (
    EXIT_BAD_INPUT,
    JSON_OPT,
    actor_or_exit,
    emit,
    fail,
    parse_json_object,
    run_with_runtime,
)

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from policies.engine import Decision

app = typer.Typer(help="The rules that decide allow / ask / deny.", no_args_is_help=True)


@app.command("check")
def check(
    name: str = typer.Argument(..., help="Tool name"),
    args: str = typer.Option("{}", "--args", help="Arguments as JSON"),
    actor: str = typer.Option(None, "--actor", help="user:NAME or agent:autonomous"),
    as_json: bool = JSON_OPT,
) -> None:
    """Print the decision for a call and the rule that made it; nothing runs."""
    # Imported here: the policy stack (SQLAlchemy) is slow to import; `--help` skips it.
    from policies.gate import CallContext

    parsed = parse_json_object(args)
    ctx = CallContext(actor=actor_or_exit(actor))

    async def go(rt: Runtime) -> Decision:
        return await rt.gate.check(ctx, name, parsed)

    decision = run_with_runtime(go)
    emit(
        decision.model_dump(),
        as_json,
        lambda: f"{decision.decision} (rule {decision.rule}): {decision.reason}",
    )


@app.command("validate")
def validate(
    path: Path = typer.Argument(None, help="Policy file (default: the built-in one)"),
) -> None:
    """Check a policy file; errors name the file, the rule and the field."""
    # Imported here: reading rules needs the policy models, which `--help` does not.
    from policies.rules import DEFAULT_POLICY, load_policy_file

    target = path or DEFAULT_POLICY
    try:
        doc = load_policy_file(target)
    except BadInput as exc:
        fail(exc.message, EXIT_BAD_INPUT)
    typer.echo(f"{target}: {len(doc.rules)} rule(s), valid")
