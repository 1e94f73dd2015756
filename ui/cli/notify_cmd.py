"""`jarvis notify`: check the channels approvals and findings are sent to."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from ui.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, JSON_OPT, emit, fail, run_with_runtime

if TYPE_CHECKING:
    from agent.notify.channels import Delivery
    from agent.runtime import Runtime

app = typer.Typer(help="Notification channels (JARVIS_NOTIFY_URLS).", no_args_is_help=True)


@app.command("test")
def test(as_json: bool = JSON_OPT) -> None:
    """Send one test message to every channel and say whether each delivered it."""
    # Imported here: Apprise is slow to import and `--help` does not need it.
    from agent.notify.notifier import send_test

    async def go(rt: Runtime) -> list[Delivery]:
        if not rt.settings.notify_urls:
            fail(
                "no channels: set JARVIS_NOTIFY_URLS (Apprise URLs, comma-separated)",
                EXIT_BAD_INPUT,
            )
        return await send_test(rt)

    results = run_with_runtime(go)

    def human() -> str:
        return "\n".join(
            f"{d.channel}: {'delivered' if d.delivered else 'NOT delivered: ' + (d.error or '')}"
            for d in results
        )

    emit({"channels": [d.model_dump() for d in results]}, as_json, human)
    if not all(d.delivered for d in results):
        raise typer.Exit(EXIT_FAILURE)
