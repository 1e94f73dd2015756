"""`jarvis db`: database maintenance."""

from __future__ import annotations

import typer

from ui.cli.common import fail, settings_or_exit

app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    # Imported here, not at the top: SQLAlchemy is slow to import and `jarvis db --help` skips it.
    from memory.db import schema_revision, upgrade

    settings = settings_or_exit()
    url = settings.resolved_database_url
    where = url.split("@")[-1]
    try:
        before = schema_revision(url)
        upgrade(url)
        after = schema_revision(url)
    except Exception as exc:
        fail(f"migration failed: {type(exc).__name__}: {exc}")
    if before is None:
        typer.echo(f"database created at revision {after} ({where})")
    elif before != after:
        typer.echo(f"database migrated from revision {before} to {after} ({where})")
    else:
        typer.echo(f"database is up to date at revision {after} ({where})")
