"""`jarvis`: run, inspect and approve what Jarvis does to your homelab."""

from __future__ import annotations

import typer

from memory.db import upgrade
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
    try:
        upgrade(settings.resolved_database_url)
    except Exception as exc:
        fail(f"migration failed: {type(exc).__name__}: {exc}")
    typer.echo(f"database is up to date ({settings.resolved_database_url.split('@')[-1]})")


def run() -> None:
    """Console-script entry point."""
    app()
