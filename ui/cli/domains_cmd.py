"""`jarvis domains`: list, import, export and remove the domains Jarvis publishes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from core.errors import BadInput
from memory.domain_models import DomainStatus
from tools.domains.parsing import FORMATS, Format, RowError, format_for, parse
from ui.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    JSON_OPT,
    actor_or_exit,
    emit,
    fail,
    run_with_runtime,
)

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from memory.domains import Domain
    from policies.outcome import ApprovalView, ToolOutcome
    from tools.domains.transfer import ImportReport

app = typer.Typer(
    help="Domains: list them, import and export them as JSON or CSV, remove one.",
    no_args_is_help=True,
)
STATUSES = [s.value for s in DomainStatus]


def _line(d: Domain) -> str:
    return f"{d.id:>4}  {d.fqdn:<40} {d.status.value:<14} -> {d.target}  ({d.provider})"


def _format_or_exit(value: str | None, option: str = "--format") -> Format | None:
    if value is None:
        return None
    lowered = value.lower()
    if lowered == "json":
        return "json"
    if lowered == "csv":
        return "csv"
    fail(f"{option} must be one of {', '.join(FORMATS)}, not {value!r}", EXIT_BAD_INPUT)


def _problem(error: RowError) -> str:
    return f"{error.location}: {error.field}: {error.message}"


@app.command("list")
def list_command(
    status: str = typer.Option(None, "--status", help=f"One of: {', '.join(STATUSES)}"),
    as_json: bool = JSON_OPT,
) -> None:
    """List domains by name."""
    if status is not None and status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}", EXIT_BAD_INPUT)
    wanted = DomainStatus(status) if status is not None else None
    # Imported here, as in the commands below: the domain store and providers are slow to load.
    from memory.domains import list_domains

    async def go(rt: Runtime) -> list[Domain]:
        return await list_domains(rt.db, status=wanted)

    domains = run_with_runtime(go)
    emit(
        [d.model_dump(mode="json") for d in domains],
        as_json,
        lambda: "\n".join(_line(d) for d in domains) or "no domains",
    )


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="A .json or .csv file; - reads standard input"),
    partial: bool = typer.Option(
        False, "--partial", help="Import the good rows and report the bad ones"
    ),
    format_: str = typer.Option(
        None, "--format", help="json or csv (default: from the file's extension)"
    ),
    as_json: bool = JSON_OPT,
) -> None:
    """Import domains; any bad row means nothing is imported, unless --partial."""
    kind = _format_or_exit(format_)
    if kind is None:
        if str(file) == "-":
            fail("--format is needed when reading standard input", EXIT_BAD_INPUT)
        try:
            kind = format_for(file.name)
        except BadInput as exc:
            fail(f"{exc.message}, or pass --format", EXIT_BAD_INPUT)
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}", EXIT_BAD_INPUT)
    parsed = parse(text, kind)
    from tools.domains.transfer import import_domains

    async def go(rt: Runtime) -> ImportReport:
        return await import_domains(rt.db, parsed, partial=partial, source=f"{file.name}")

    report = run_with_runtime(go)
    if as_json:
        emit(report, True, str)
    else:
        for error in report.errors:
            typer.echo(_problem(error), err=True)
        done = f"imported {len(report.created)} domain(s)"
        if report.unchanged:
            done += f", {len(report.unchanged)} already registered with the same target"
        if report.errors:
            done += f"; {len(report.errors)} problem(s)"
        if report.errors and not partial:
            done = f"nothing was imported: {len(report.errors)} problem(s) (--partial skips them)"
        typer.echo(done, err=bool(report.errors and not partial))
    if report.errors and not partial:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("export")
def export_command(
    format_: str = typer.Option("json", "--format", help="json or csv"),
) -> None:
    """Print every domain as JSON or CSV on standard output."""
    kind = _format_or_exit(format_) or "json"
    from tools.domains.transfer import export_domains

    async def go(rt: Runtime) -> str:
        return await export_domains(rt.db, kind)

    sys.stdout.write(run_with_runtime(go))


@app.command("remove")
def remove_command(
    fqdn: str = typer.Argument(..., help="The domain, e.g. test.example.com"),
    actor: str = typer.Option(None, "--actor", help="user:NAME (default: you)"),
    as_json: bool = JSON_OPT,
) -> None:
    """Take a domain down (its Caddy route and DNS record); a failed one too. Asks first."""
    # Imported here: the policy stack and the wording load only when something is removed.
    from policies.gate import CallContext
    from policies.wording import sentence

    ctx = CallContext(actor=actor_or_exit(actor))

    async def go(rt: Runtime) -> tuple[ToolOutcome, ApprovalView | None]:
        outcome = await rt.gate.invoke(ctx, "domains.deprovision", {"fqdn": fqdn})
        if outcome.approval_id is None or outcome.status != "approval_required":
            return outcome, None
        return outcome, rt.gate.approvals.view(await rt.gate.approvals.get(outcome.approval_id))

    outcome, asked = run_with_runtime(go)

    def human() -> str:
        if asked is not None:
            return (
                f"{sentence(asked)}. It needs your approval; answer with:\n"
                f"  jarvis approvals approve {asked.id}\n  jarvis approvals reject {asked.id}"
            )
        return outcome.message or outcome.status

    emit(outcome.model_dump(mode="json", exclude_none=True), as_json, human)
    if outcome.status in ("error", "denied"):
        raise typer.Exit(EXIT_FAILURE)
