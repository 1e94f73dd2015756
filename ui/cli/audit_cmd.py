"""`jarvis audit`: verify the hash chain and read recent entries."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import typer
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from core.settings import Settings
from memory import audit
from memory.db import make_sync_engine
from memory.models import AuditEntry
from memory.vault import derive, load_key
from ui.cli.common import EXIT_FAILURE, database_problem, emit, fail, settings_or_exit

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
T = TypeVar("T")


def _read(settings: Settings, fn: Callable[[Session], T]) -> T:
    engine = make_sync_engine(settings.resolved_database_url)
    try:
        with Session(engine) as session:
            return fn(session)
    except (OperationalError, ProgrammingError) as exc:
        fail(database_problem(exc))
    finally:
        engine.dispose()


@app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json")) -> None:
    """Exit 0 when the log is intact; 1 naming the first altered or missing entry."""
    settings = settings_or_exit()
    key = derive(load_key(settings), "audit")
    report = _read(settings, lambda session: audit.verify(session, key))
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
def tail(limit: int = typer.Option(20, min=1, max=1000)) -> None:
    """Print the newest entries, oldest first."""
    settings = settings_or_exit()
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    rows = _read(settings, lambda session: session.execute(query).scalars().all())
    for row in reversed(rows):
        data = json.loads(row.data)
        typer.echo(
            f"{row.seq:>6} {row.ts:%Y-%m-%d %H:%M:%S} {row.actor:<20} {row.event:<18} "
            f"{row.tool or '':<28} {row.resource or ''} {data.get('status', '')}"
        )
