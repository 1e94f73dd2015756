"""`jarvis audit`: verify the hash chain and read recent entries."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import typer

from ui.cli.common import EXIT_FAILURE, JSON_OPT, database_problem, emit, fail, settings_or_exit

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
T = TypeVar("T")


def _read(fn: Callable[[], T]) -> T:
    # Imported here, as in the commands below: SQLAlchemy is slow to import; `--help` skips it.
    from memory.db import StoreUnavailable

    try:
        return fn()
    except StoreUnavailable as exc:
        fail(database_problem(exc))


@app.command("verify")
def verify(as_json: bool = JSON_OPT) -> None:
    """Exit 0 when the log is intact; 1 naming the first altered or missing entry."""
    from memory import audit
    from memory.audit_checkpoint import CheckpointLog
    from memory.vault import derive, load_key

    settings = settings_or_exit()
    key = derive(load_key(settings), "audit")
    checkpoints = CheckpointLog(settings.resolved_audit_checkpoint_file, key)
    report = _read(lambda: audit.verify_database(settings.resolved_database_url, key, checkpoints))
    emit(
        report.model_dump(),
        as_json,
        lambda: (
            f"audit log intact: {report.entries} entries"
            if report.ok
            else f"audit log TAMPERED at entry {report.first_bad_seq}: {report.problem}"
        ),
    )
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)


@app.command("tail")
def tail(limit: int = typer.Option(20, min=1, max=1000), as_json: bool = JSON_OPT) -> None:
    """Print the newest entries, oldest first."""
    from memory import audit

    settings = settings_or_exit()
    rows = _read(lambda: audit.latest_entries(settings.resolved_database_url, limit))
    entries = [
        {
            "seq": row.seq,
            "ts": row.ts.isoformat(),
            "actor": row.actor,
            "event": row.event,
            "tool": row.tool,
            "resource": row.resource,
            "data": json.loads(row.data),
        }
        for row in reversed(rows)
    ]
    emit(
        entries,
        as_json,
        lambda: "\n".join(
            f"{e['seq']:>6} {row.ts:%Y-%m-%d %H:%M:%S} {e['actor']:<20} {e['event']:<18} "
            f"{e['tool'] or '':<28} {e['resource'] or ''} {e['data'].get('status', '')}"
            for e, row in zip(entries, reversed(rows), strict=True)
        ),
    )
