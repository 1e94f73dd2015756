"""db.deploy_server and db.undeploy_server: a database server in a container, in one call.

Deploying starts the configured image with a named volume, a generated superuser password
(kept in the vault only), a Docker health check, `jarvis.*` labels and restart policy
unless-stopped; it waits for healthy, signs in once with the new password, and registers
the server. Anything failing on the way removes what this call made, and nothing is
registered.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Literal

from pydantic import Field

from core.errors import ChangeFailed, Conflict, JarvisError, NotFound
from memory import databases
from tools.db import deploy_docker as dd
from tools.db import servers
from tools.db.deploy_specs import SPECS, container_name, volume_name
from tools.db.engine import Conn
from tools.db.models import ServerName
from tools.db.redis_info import redis_info
from tools.deps import ToolDeps
from tools.registry import ToolArgs, ToolFamily, ToolResult

family = ToolFamily("db")
PASSWORD_BYTES = 24


class DeployArgs(ToolArgs):
    """The server to start: engine, the name it is registered under, optionally its port."""

    engine: Literal["postgresql", "mariadb", "redis"]
    name: ServerName
    port: int | None = Field(
        default=None, ge=1024, le=65535, description="Host port; default: a free one."
    )


class DeployResult(ToolResult):
    """The deployed, healthy and registered server (its password is in the vault only)."""

    server: str
    engine: str
    image: str
    container: str
    volume: str
    address: str
    port: int
    username: str | None
    healthy_after_seconds: float
    # The generated superuser password is in the vault; it is never part of a result.
    password_in_vault: bool = True


async def _refuse_taken(args: DeployArgs, deps: ToolDeps) -> dd.Plan:
    """The deployment's plan; Conflict if the name, container, volume or port is taken."""
    try:
        await databases.get_server(servers.store(deps), args.name)
    except NotFound:
        pass
    else:
        raise Conflict(f"a database server named {args.name!r} is already registered")
    p = dd.plan(args.name, SPECS[args.engine], deps.settings.databases, args.port)
    await dd.check_free(deps, p)
    return p


async def _precheck(args: DeployArgs, deps: ToolDeps) -> None:
    """Refuse before anyone is asked when the name, container or port is taken."""
    await _refuse_taken(args, deps)


async def _preview(args: DeployArgs, deps: ToolDeps) -> str:
    """What the approval shows: the image, the names it makes, where it is published."""
    settings = deps.settings.databases
    spec = SPECS[args.engine]
    port = args.port if args.port is not None else "a free port"
    return (
        f"start {spec.image(settings)} as container {container_name(args.name)} with volume "
        f"{volume_name(args.name)}, published on {settings.publish_address}:{port}; "
        f"register it as {args.name} (superuser password generated into the vault)"
    )


async def _signs_in(p: dd.Plan, password: str, deps: ToolDeps) -> None:
    """Sign in once with the new password: the server really is ready and the password works."""
    conn = Conn(dd.connect_address(p.address), p.port, p.spec.superuser, password)
    if p.spec.engine == "redis":
        await redis_info(conn)
        return
    await servers.make_engine(p.spec.engine, conn, deps.executor).version()


@family.tool(
    "deploy_server",
    risk="write",
    resource="db:{name}",
    precheck=_precheck,
    preview=_preview,
    description=(
        "Start a new PostgreSQL, MariaDB or Redis server in a container (image from the "
        "settings, a named volume, a generated superuser password kept in the vault, a health "
        "check, published on the host's loopback) and register it under `name`. On failure "
        "everything it made is removed."
    ),
)
async def deploy_server(args: DeployArgs, deps: ToolDeps) -> DeployResult:
    """Plan, start, wait for healthy, sign in, register; undo all of it on any failure."""
    settings = deps.settings.databases
    p = await _refuse_taken(args, deps)
    await dd.ensure_image(deps, p.image, settings.pull_images)
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    made = dd.Made()
    try:
        await dd.start(deps, p, password, made)
        waited = await dd.wait_healthy(deps, p.container, settings.healthy_seconds)
        await _signs_in(p, password, deps)
        await databases.add_server(
            servers.store(deps),
            servers.vault(deps),
            deps.redaction_salt,
            name=p.server,
            engine=p.spec.engine,
            address=dd.connect_address(p.address),
            port=p.port,
            username=p.spec.superuser,
            password=password,
            container=p.container,
        )
    except asyncio.CancelledError:
        await dd.remove(deps, made.container, made.volume)
        raise
    except Exception as exc:
        left = await dd.remove(deps, made.container, made.volume)
        if left:
            undone = f"{', '.join(left)} could not be removed"
        elif made.container or made.volume:
            undone = "the container and volume it made were removed"
        else:
            undone = "nothing had been created"
        why = exc.message if isinstance(exc, JarvisError) else type(exc).__name__
        raise ChangeFailed(
            f"deploying {p.server} failed: {why}; {undone} and nothing was registered"
        ) from None
    return DeployResult(
        server=p.server,
        engine=p.spec.engine,
        image=p.image,
        container=p.container,
        volume=p.volume,
        address=dd.connect_address(p.address),
        port=p.port,
        username=p.spec.superuser,
        healthy_after_seconds=round(waited, 1),
    )


class UndeployArgs(ToolArgs):
    """The deployed server to remove."""

    name: ServerName
    keep_data: bool = Field(default=False, description="Keep the data volume.")


class UndeployResult(ToolResult):
    """What was removed."""

    server: str
    container: str
    volume: str | None
    data_kept: bool


async def _deployed(args: UndeployArgs, deps: ToolDeps) -> str:
    server = await databases.get_server(servers.store(deps), args.name)
    if not server.container:
        raise Conflict(
            f"{args.name} was not deployed by Jarvis (no container recorded); "
            "remove it from the registry instead"
        )
    return server.container


async def _precheck_undeploy(args: UndeployArgs, deps: ToolDeps) -> None:
    """Refuse before anyone is asked when the server is unknown or not Jarvis's own."""
    await _deployed(args, deps)


@family.tool(
    "undeploy_server",
    risk="destructive",
    resource="db:{name}",
    precheck=_precheck_undeploy,
    description=(
        "Remove a database server Jarvis deployed: its container, its data volume (unless "
        "keep_data) and its registration. Every database on it is gone with the volume."
    ),
)
async def undeploy_server(args: UndeployArgs, deps: ToolDeps) -> UndeployResult:
    """Container, then volume, then the registry row (kept if anything stayed)."""
    container = await _deployed(args, deps)
    volume = None if args.keep_data else volume_name(args.name)
    left = await dd.remove(deps, container, volume)
    if left:
        raise ChangeFailed(f"{', '.join(left)} could not be removed; {args.name} stays registered")
    await databases.remove_server(servers.store(deps), args.name)
    return UndeployResult(
        server=args.name, container=container, volume=volume, data_kept=args.keep_data
    )
