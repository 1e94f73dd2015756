"""`jarvis`: run, inspect and approve what Jarvis does to your homelab.

Subcommands are listed here and imported only when one runs (see ui.cli.lazy), so `jarvis --help`
answers at once; `tests/ui/test_cli_imports.py` checks the lines below match each command's help.
"""

from __future__ import annotations

import typer

from ui.cli.lazy import Lazy, LazyGroup

# In the order `jarvis --help` lists them: commands first, then groups.
COMMANDS = {
    "status": Lazy(
        "ui.cli.status_cmd:status",
        "Show the host, the containers and what waits for your approval.",
    ),
    "eval": Lazy(
        "ui.cli.eval_cmd:eval_command",
        "Run the evals on the Docker Engine; exit 0 only if all pass with no safety violation.",
    ),
    "serve": Lazy(
        "ui.cli.serve_cmd:serve",
        "Serve the chat at / and the REST API at /api/v1 until interrupted.",
    ),
    "ask": Lazy(
        "ui.cli.ask_cmd:ask",
        "Ask Jarvis something; changes wait for approval like everywhere else.",
    ),
    "diagnose": Lazy(
        "ui.cli.background_cmd:diagnose",
        "Run every check now and print the findings (nothing is changed).",
    ),
    "worker": Lazy(
        "ui.cli.background_cmd:worker",
        "Run the background agent: scheduled passes (embedded) or queue consumer (Redis).",
    ),
    "db": Lazy("ui.cli.db_cmd:app", "Database maintenance."),
    "databases": Lazy(
        "ui.cli.databases_cmd:app",
        "Database servers Jarvis manages: add, list, remove; show a created password once.",
    ),
    "tools": Lazy(
        "ui.cli.tools_cmd:app",
        "List the tools Jarvis has, or call one (always through the policy).",
    ),
    "approvals": Lazy("ui.cli.approvals_cmd:app", "Changes waiting for your decision."),
    "policy": Lazy("ui.cli.policy_cmd:app", "The rules that decide allow / ask / deny."),
    "audit": Lazy("ui.cli.audit_cmd:app", "The tamper-evident audit log."),
    "apikey": Lazy("ui.cli.apikey_cmd:app", "Keys for the REST API (/api/v1)."),
    "domains": Lazy(
        "ui.cli.domains_cmd:app",
        "Domains: list them, import and export them as JSON or CSV, remove one.",
    ),
    "hosts": Lazy(
        "ui.cli.hosts_cmd:app", "Other machines over SSH (host key pinned on first contact)."
    ),
    "integrations": Lazy(
        "ui.cli.integrations_cmd:app",
        "Services Jarvis talks to (Home Assistant ...): add, list, test, remove.",
    ),
    "runs": Lazy("ui.cli.runs_cmd:app", "What the background agent ran, found and did."),
    "notify": Lazy("ui.cli.notify_cmd:app", "Notification channels (JARVIS_NOTIFY_URLS)."),
    "schedule": Lazy("ui.cli.runs_cmd:schedule_app", "When the background agent runs what."),
    "voice": Lazy("ui.cli.voice_cmd:app", "Speech to text on this server: transcribe a recording."),
}


class JarvisGroup(LazyGroup):
    """The `jarvis` command: every subcommand loads on first use."""

    lazy = COMMANDS


app = typer.Typer(
    cls=JarvisGroup,
    help=(
        "Jarvis, the copilot for your homelab. It runs tools on your server (Docker, system), "
        "asks you before it changes anything, and keeps a tamper-evident audit log.\n\n"
        "Start with `jarvis status`, then `jarvis tools list`."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


# Typer makes a group only of an app with a callback (or registered commands); this one's
# commands come from JarvisGroup.
@app.callback()
def jarvis() -> None:
    """The `jarvis` command itself; it does nothing before a subcommand."""


def run() -> None:
    """Console-script entry point."""
    app()
