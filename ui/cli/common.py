"""Shared plumbing for CLI commands: settings, runtime, output and exit codes."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from core.errors import BadInput, JarvisError
from core.logging import configure_logging
from core.runtime import Runtime, build_runtime
from core.settings import Settings, load_settings

T = TypeVar("T")

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print a one-line reason on stderr and exit."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    """Read settings once; a bad setting is bad input."""
    try:
        settings = load_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        fail(f"invalid setting JARVIS_{field.upper()}: {first['msg']}", EXIT_BAD_INPUT)
    configure_logging(settings.log_level)
    return settings


def default_actor() -> str:
    """`user:<login>` for the person at the terminal."""
    return f"user:{getpass.getuser()}"


def parse_json_object(text: str, what: str = "--args") -> dict[str, Any]:
    """Parse a JSON object given on the command line."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{what} is not valid JSON: {exc.msg} at position {exc.pos}", EXIT_BAD_INPUT)
    if not isinstance(value, dict):
        fail(f"{what} must be a JSON object", EXIT_BAD_INPUT)
    return value


def run_with_runtime(fn: Callable[[Runtime], Awaitable[T]]) -> T:
    """Build the runtime, run `fn`, close everything; typed errors become exit codes."""
    settings = settings_or_exit()

    async def main() -> T:
        runtime = build_runtime(settings)
        try:
            return await fn(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except BadInput as exc:
        fail(exc.message, EXIT_BAD_INPUT)
    except JarvisError as exc:
        fail(exc.message, EXIT_FAILURE)


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
