"""`jarvis serve`: the web app (chat, REST API, health check) under uvicorn."""

from __future__ import annotations

import typer

from core.errors import BadInput
from ui.cli.common import EXIT_BAD_INPUT, fail, settings_or_exit

# uvicorn's exit code when the server could not start (the port is taken, the app failed).
EXIT_STARTUP_FAILURE = 3


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

    from ui.cli.local_serve import AnnouncingServer
    from ui.web.app import create_app
    from ui.web.local_access import loopback_url, new_access

    host, port = host or settings.host, port or settings.port
    # `jarvis tools call` on this machine asks this server, when it can reach it over loopback.
    url = loopback_url(host, port)
    access = new_access(url) if url else None
    try:
        app = create_app(settings, local_token=access.token if access else None)
    except BadInput as exc:
        fail(exc.message, EXIT_BAD_INPUT)
    except (RuntimeError, ValueError, OSError, ImportError) as exc:
        fail(f"the web app cannot start: {exc}")
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's records go through Jarvis's JSON logging (one format)
    )
    server = AnnouncingServer(config, settings.data_dir, access)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.withdraw()
    if not server.started:
        raise typer.Exit(EXIT_STARTUP_FAILURE)
