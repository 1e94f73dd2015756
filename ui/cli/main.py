"""`jarvis`: run, inspect and approve what Jarvis does to your homelab."""

from __future__ import annotations

import typer

from memory.db import schema_revision, upgrade
from ui.cli import (
    apikey_cmd,
    approvals_cmd,
    ask_cmd,
    audit_cmd,
    domains_cmd,
    notify_cmd,
    policy_cmd,
    runs_cmd,
    serve_cmd,
    status_cmd,
    tools_cmd,
)
from ui.cli.common import fail, settings_or_exit
from ui.cli.eval_cmd import eval_command

app = typer.Typer(
    help=(
        "Jarvis, the copilot for your homelab. It runs tools on your server (Docker, system), "
        "asks you before it changes anything, and keeps a tamper-evident audit log.\n\n"
        "Start with `jarvis status`, then `jarvis tools list`."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tools_cmd.app, name="tools")
app.add_typer(approvals_cmd.app, name="approvals")
app.add_typer(policy_cmd.app, name="policy")
app.add_typer(audit_cmd.app, name="audit")
app.command("status")(status_cmd.status)
app.command("eval")(eval_command)
app.add_typer(apikey_cmd.app, name="apikey")
app.command("serve")(serve_cmd.serve)
app.command("ask")(ask_cmd.ask)
app.add_typer(domains_cmd.app, name="domains")
app.add_typer(runs_cmd.app, name="runs")
app.add_typer(notify_cmd.app, name="notify")
app.add_typer(runs_cmd.schedule_app, name="schedule")
app.command("diagnose")(runs_cmd.diagnose)
app.command("worker")(runs_cmd.worker)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
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


def run() -> None:
    """Console-script entry point."""
    app()
