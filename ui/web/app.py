"""The web app: health check, REST API and the Chainlit chat, in one FastAPI process."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from importlib import metadata
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from agent.events_bridge import bridging
from agent.notify.notifier import notifying
from agent.runtime import build_runtime
from core.errors import BadInput
from core.logging import get_logger
from core.paths import INITIAL_PASSWORD_FILE
from core.settings import Settings
from memory.vault import derive, load_key
from ui.web import api, approve, domains_api, metrics
from ui.web.accounts import AccountStore, LoginLimiter
from ui.web.apikeys import ApiKeyStore
from ui.web.background import run_background
from ui.web.local_api import local_router
from ui.web.origin import OriginGuardMiddleware, OriginPolicy
from ui.web.state import CLIENT_ADDRESS, WebState, get_state, set_state, startup_hooks

log = get_logger("web")

CHAT_APP = Path(__file__).resolve().parent.parent / "chat" / "app.py"
# The checkout holds .chainlit/config.toml and chainlit.md; CHAINLIT_APP_ROOT overrides it.
DEFAULT_APP_ROOT = Path(__file__).resolve().parents[2]
HEALTH_TIMEOUT_SECONDS = 5.0


class Health(BaseModel):
    """Whether the app and its database answer (nothing else is revealed)."""

    status: Literal["ok", "error"]
    database: Literal["ok", "unavailable"]


class ClientAddressMiddleware:
    """Records the client address of each HTTP request for the login rate limiter."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with CLIENT_ADDRESS set (a plain ASGI wrapper keeps the context)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = CLIENT_ADDRESS.set(client[0] if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT_ADDRESS.reset(token)


def _use_app_root(root: Path) -> None:
    """Point Chainlit at `root`; it reads CHAINLIT_APP_ROOT once, when first imported."""
    loaded = sys.modules.get("chainlit.config")
    if loaded is not None:
        current = Path(loaded.APP_ROOT).resolve()
        if current != root:
            raise RuntimeError(
                f"Chainlit was already loaded with app root {current}; {root} needs a fresh process"
            )
        return
    os.environ["CHAINLIT_APP_ROOT"] = str(root)


def _announce_password(settings: Settings, password: str) -> Path:
    """Show a generated admin password once on stderr and keep it in a 0600 file."""
    path = settings.data_dir / INITIAL_PASSWORD_FILE
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    lines = [
        "Jarvis created the web account 'admin' with this password:",
        "",
        f"    {password}",
        "",
        "It is shown only this once. A copy is in (readable only by you):",
        f"    {path}",
        "Sign in, then delete that file.",
    ]
    width = max(len(line) for line in lines) + 2
    box = ["+" + "-" * width + "+"]
    box += [f"| {line.ljust(width - 2)} |" for line in lines]
    box.append(box[0])
    sys.stderr.write("\n" + "\n".join(box) + "\n\n")
    sys.stderr.flush()
    return path


async def healthz() -> JSONResponse:
    """200 when the database answers `SELECT 1`, 503 when it does not."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            await get_state().runtime.db.ping()
    except Exception as exc:
        log.warning("health_database_failed", error=type(exc).__name__)
        body = Health(status="error", database="unavailable")
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Health(status="ok", database="ok").model_dump())


async def _invalid_request(_request: Request, exc: Exception) -> Response:
    """FastAPI's 422, rendered as ASCII JSON: input with a lone surrogate cannot break it."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    body = json.dumps({"detail": jsonable_encoder(errors)}, ensure_ascii=True, default=str)
    return Response(body, status_code=422, media_type="application/json")


async def _token_version(username: str) -> int | None:
    """The account's current session token version (None: no such account)."""
    account = await get_state().accounts.get(username)
    return None if account is None else account.token_version


def _version() -> str:
    try:
        return metadata.version("jarvis-homelab")
    except metadata.PackageNotFoundError:
        return "0"


def create_app(
    settings: Settings,
    *,
    chat_target: Path | None = None,
    app_root: Path | None = None,
    local_token: str | None = None,
) -> FastAPI:
    """The FastAPI app with /healthz, /api/v1 and the Chainlit chat mounted at /.

    With `local_token`, the terminal's route (ui/web/local_api.py) answers to that token.
    """
    target = (chat_target or CHAT_APP).resolve()
    if target.suffix != ".py" or not target.is_file():
        raise BadInput(f"the chat module {target} is not a Python file")
    # Chainlit reads its app root and auth secret from the environment, so both are set
    # before it is imported (by mount_chainlit below).
    env_root = os.environ.get("CHAINLIT_APP_ROOT")
    _use_app_root((app_root or (Path(env_root) if env_root else DEFAULT_APP_ROOT)).resolve())
    os.environ.setdefault("CHAINLIT_AUTH_SECRET", derive(load_key(settings), "chainlit").hex())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Chainlit's own start-up hooks never run when it is mounted: everything opens here.
        runtime = build_runtime(settings)
        try:
            accounts = AccountStore(runtime.db)
            generated = await accounts.ensure_admin(settings.admin_password)
            if generated is not None:
                _announce_password(settings, generated)
            state = WebState(
                settings=settings,
                runtime=runtime,
                accounts=accounts,
                apikeys=ApiKeyStore(runtime.db),
                limiter=LoginLimiter(settings.login_max_failures, settings.login_window_seconds),
            )
            set_state(state)
            async with AsyncExitStack() as stack:
                for hook in startup_hooks():
                    await stack.enter_async_context(hook(state))
                # Other processes' events come in (and ours go out) over Redis, when set.
                await stack.enter_async_context(bridging(runtime))
                await stack.enter_async_context(notifying(runtime))
                await stack.enter_async_context(run_background(runtime))
                yield
        finally:
            set_state(None)
            await _close_chat_history()
            await runtime.close()

    app = FastAPI(
        title="Jarvis",
        version=_version(),
        description="Approvals for your homelab copilot. Authenticate with an API key "
        "(`jarvis apikey create NAME`).",
        lifespan=lifespan,
    )
    app.add_middleware(ClientAddressMiddleware)
    # Imported only now: Chainlit reads its app root and secret from the environment on import.
    from ui.web.sessions import SessionGuardMiddleware

    app.add_middleware(
        SessionGuardMiddleware,
        secret=os.environ["CHAINLIT_AUTH_SECRET"],
        version_of=_token_version,
    )
    # Outermost: a refused cross-origin request reaches nothing else.
    app.add_middleware(OriginGuardMiddleware, policy=OriginPolicy(settings))
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_api_route(
        "/healthz",
        healthz,
        methods=["GET"],
        response_model=Health,
        responses={503: {"model": Health, "description": "The database does not answer"}},
        tags=["health"],
        summary="Liveness and database check",
    )
    app.include_router(api.router)
    app.include_router(domains_api.router)
    app.include_router(approve.router)
    app.include_router(metrics.router)
    if local_token:
        app.include_router(local_router(local_token))
    # Imported only now, like the session guard: it needs Chainlit's sign-in check.
    from ui.web import page_status

    app.include_router(page_status.router)

    from chainlit.utils import mount_chainlit

    # Last: Chainlit's catch-all route would otherwise answer for the paths above.
    mount_chainlit(app, target=str(target), path="/")
    _drop_subpath_guard()
    return app


def _drop_subpath_guard() -> None:
    """Remove the middleware Chainlit adds for apps mounted under a sub-path."""
    # Mounted at "/", every path is Chainlit's, so the guard never refuses anything; being a
    # BaseHTTPMiddleware, it raises "No response returned" whenever a browser goes away
    # mid-request, filling the log with tracebacks.
    from chainlit.server import app as chainlit_app

    chainlit_app.user_middleware = [
        m
        for m in chainlit_app.user_middleware
        if getattr(m.cls, "__name__", "") != "ChainlitMiddleware"
    ]


async def _close_chat_history() -> None:
    """Close Chainlit's data layer if the chat module opened one."""
    auth = sys.modules.get("ui.chat.auth")
    if auth is not None:
        await auth.close_data_layer()
