"""`jarvis serve`: the web app (chat, REST API, health check) under uvicorn."""

from __future__ import annotations

import typer

from core.errors import BadInput
from ui.cli.common import EXIT_BAD_INPUT, fail, settings_or_exit


def serve(
    host: str = typer.Option(None, "--host", help="Address to listen on (default: JARVIS_HOST)"),
    port: int = typer.Option(
        None, "--port", min=1, max=65535, help="Port to listen on (default: JARVIS_PORT)"
    ),
) -> None:
    """Serve the chat at / and the REST API at /api/v1 until interrupted."""
    settings = settings_or_exit()
    # Imported here: Chainlit reads its environment when first imported, in create_app.
    import uvicorn

    from ui.web.app import create_app

    try:
        app = create_app(settings)
    except BadInput as exc:
        fail(exc.message, EXIT_BAD_INPUT)
    except (RuntimeError, ValueError, OSError, ImportError) as exc:
        fail(f"the web app cannot start: {exc}")
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's records go through Jarvis's JSON logging (one format)
    )
