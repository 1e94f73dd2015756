"""Shared plumbing for CLI commands: settings, runtime, output and exit codes.

Only the standard library, typer and pydantic are imported up here: every command module imports
this one, and `jarvis --help` must not wait for the database, Docker or agent stacks. They load
inside the functions that use them.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import os
import re
import sys
import tomllib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from core.settings import Settings
    from memory.db import StoreUnavailable
    from tools.registry import Registry

T = TypeVar("T")

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


JSON_OPT = typer.Option(False, "--json", help="Print one JSON document.")


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print a one-line reason on stderr and exit."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit(*, logs: bool = True) -> Settings:
    """Read settings once; a bad setting is bad input."""
    # `logs=False` leaves structlog unloaded, for a command that may finish without logging
    # anything (it calls `start_logging` once it needs to).
    from pydantic_settings import SettingsError

    from core.settings import load_settings

    try:
        settings = load_settings()
        if logs:
            start_logging(settings)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        fail(f"invalid setting JARVIS_{field.upper()}: {first['msg']}", EXIT_BAD_INPUT)
    except SettingsError as exc:
        fail(f"invalid setting: {exc}", EXIT_BAD_INPUT)
    except tomllib.TOMLDecodeError as exc:
        fail(f"jarvis.toml is not valid TOML: {exc}", EXIT_BAD_INPUT)
    except (ValueError, OSError) as exc:
        fail(f"invalid setting: {exc}", EXIT_BAD_INPUT)
    return settings


def start_logging(settings: Settings) -> None:
    """JSON logs on stderr at the configured level."""
    from core.logging import configure_logging

    configure_logging(settings.log_level)


ACTOR_RE = re.compile(r"^(user:[A-Za-z0-9_.@-]{1,64}|agent:[a-z][a-z0-9_-]{0,31})$")


def actor_or_exit(value: str | None, option: str = "--actor") -> str:
    """A valid actor (`user:NAME` or `agent:NAME`), defaulting to the person at the terminal."""
    actor = value or default_actor()
    if option == "--by" and not actor.startswith("user:"):
        # Approvals are a person's answer; an agent may not approve anything.
        fail(f"--by must name a person (user:NAME), not {actor!r}", EXIT_BAD_INPUT)
    if not ACTOR_RE.fullmatch(actor):
        fail(
            f"{option} must look like user:NAME or agent:autonomous, not {actor!r}", EXIT_BAD_INPUT
        )
    return actor


def default_actor() -> str:
    """`user:<login>` for the person at the terminal (`user:uid<N>` if it has no name)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = f"uid{os.getuid()}"
    return f"user:{name}"


def parse_json_object(text: str, what: str = "--args") -> dict[str, Any]:
    """Parse a JSON object given on the command line."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{what} is not valid JSON: {exc.msg} at position {exc.pos}", EXIT_BAD_INPUT)
    if not isinstance(value, dict):
        fail(f"{what} must be a JSON object", EXIT_BAD_INPUT)
    return value


def run_with_runtime(
    fn: Callable[[Runtime], Awaitable[T]],
    *,
    publish: bool = True,
    registry: Registry | None = None,
    settings: Settings | None = None,
) -> T:
    """Build the runtime, run `fn`, close everything; typed errors become exit codes.

    `publish=False` is for commands that cannot cause an approval or a finding (a plan): they
    skip the notification channels and the event bridge, and the libraries behind them.
    `registry` holds the tools the command may run (default: every tool). `settings` are the
    ones the command read already (with `settings_or_exit(logs=False)`).
    """
    from agent.runtime import build_runtime
    from core.errors import BadInput, JarvisError
    from memory.db import StoreUnavailable, store_errors

    if settings is None:
        settings = settings_or_exit()
    else:
        start_logging(settings)

    async def published(runtime: Runtime) -> T:
        # Approvals and findings this command causes reach the owner (and, with Redis, the
        # open chats) before it exits; it shows nothing live, so it only publishes. Apprise and
        # the Redis client are imported only when configured: they are slow to load.
        async with contextlib.AsyncExitStack() as stack:
            if settings.redis_url:
                from agent.events_bridge import bridging

                await stack.enter_async_context(bridging(runtime, receive=False))
            if settings.notify_urls:
                from agent.notify.notifier import notifying

                await stack.enter_async_context(notifying(runtime))
            return await fn(runtime)

    async def main() -> T:
        runtime = build_runtime(settings, registry=registry)
        try:
            return await (published(runtime) if publish else fn(runtime))
        finally:
            await runtime.close()

    try:
        with store_errors():
            return asyncio.run(main())
    except BadInput as exc:
        fail(exc.message, EXIT_BAD_INPUT)
    except StoreUnavailable as exc:
        fail(database_problem(exc), EXIT_FAILURE)
    except JarvisError as exc:
        fail(exc.message, EXIT_FAILURE)


def database_problem(exc: StoreUnavailable) -> str:
    """A one-line description of a database failure, without the SQL."""
    return (
        f"database problem ({exc.message}); check JARVIS_DATABASE_URL and run `jarvis db upgrade`"
    )


def emit(value: Any, as_json: bool, human: Callable[[], str]) -> None:
    """Print one JSON document, or the human form."""
    if as_json:
        if isinstance(value, BaseModel):
            text = value.model_dump_json(indent=2)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            text = "[" + ",".join(v.model_dump_json() for v in value) + "]"
            text = json.dumps(json.loads(text), indent=2)
        else:
            text = json.dumps(value, indent=2, default=str)
        sys.stdout.write(text + "\n")
    else:
        typer.echo(human())


STDIN = "-"


def from_stdin(value: str | None, what: str) -> str | None:
    """`value`, or for `-` one line of standard input (a secret then stays out of the history)."""
    if value != STDIN:
        return value
    text = sys.stdin.readline().strip()
    if not text:
        fail(f"{what}: nothing on standard input", EXIT_BAD_INPUT)
    return text
