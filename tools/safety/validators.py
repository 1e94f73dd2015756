"""Validators: check a candidate config file (syntax, or an allow-listed command) before a swap."""

from __future__ import annotations

import asyncio
import json
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import yaml

from core.errors import BadInput, ChangeFailed, NotFound
from tools.safety.executor import SafeCommandExecutor


class ValidatorUnavailable(NotFound):
    """The tool needed to validate this kind of file is not installed; nothing was changed."""


class Validator(Protocol):
    """Checks a candidate file; raises (ChangeFailed) when it is invalid, may return a note."""

    name: str

    async def validate(self, path: Path) -> str | None:
        """Raise when the file at `path` is not valid."""
        ...


async def _read_text(path: Path) -> str:
    # Off the event loop: a config file on a slow disk must not stall every chat.
    data = await asyncio.to_thread(path.read_bytes)
    return data.decode()


class TextValidator:
    """Only checks that the file is UTF-8 text: for file types with no syntax checker."""

    name = "text"

    async def validate(self, path: Path) -> str | None:
        """Raise unless the file is UTF-8 without NUL characters."""
        try:
            text = await _read_text(path)
        except UnicodeDecodeError as exc:
            raise ChangeFailed(f"not UTF-8 text: {exc}") from exc
        if "\x00" in text:
            raise ChangeFailed("contains a NUL character")
        return None


class YamlValidator:
    """Parses YAML (every document in the file)."""

    name = "YAML syntax"

    async def validate(self, path: Path) -> str | None:
        """Raise unless the file parses as YAML."""
        try:
            list(yaml.safe_load_all(await _read_text(path)))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ChangeFailed(str(exc)) from exc
        return None


class JsonValidator:
    """Parses JSON."""

    name = "JSON syntax"

    async def validate(self, path: Path) -> str | None:
        """Raise unless the file parses as JSON."""
        try:
            json.loads(await _read_text(path))
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise ChangeFailed(str(exc)) from exc
        return None


class TomlValidator:
    """Parses TOML."""

    name = "TOML syntax"

    async def validate(self, path: Path) -> str | None:
        """Raise unless the file parses as TOML."""
        try:
            tomllib.loads(await _read_text(path))
        except ValueError as exc:  # TOMLDecodeError and UnicodeDecodeError
            raise ChangeFailed(str(exc)) from exc
        return None


def _failure_summary(stdout: str, stderr: str) -> str:
    # Tools such as caddy log JSON lines before the one line that says what is wrong.
    lines = [line.strip() for line in (stderr + "\n" + stdout).splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith("error")]
    return "; ".join(errors or lines[-5:])[-1500:] or "no output"


class CommandValidator:
    """Runs an allow-listed command on the file; `{path}` in the argv becomes its path."""

    def __init__(
        self, executor: SafeCommandExecutor, argv: Sequence[str], name: str | None = None
    ) -> None:
        self.executor = executor
        self.argv = list(argv)
        self.name = name or " ".join(self.argv)

    async def validate(self, path: Path) -> str | None:
        """Raise unless the command exits 0 in time."""
        res = await self.executor.run([a.replace("{path}", str(path)) for a in self.argv])
        if res.timed_out:
            raise ChangeFailed(f"{self.name} timed out after {res.duration_s:.0f}s")
        if res.exit_code != 0:
            raise ChangeFailed(_failure_summary(res.stdout, res.stderr))
        return None


class CaddyfileValidator(CommandValidator):
    """`caddy validate` with the Caddyfile adapter; refuses when caddy is not installed."""

    def __init__(self, executor: SafeCommandExecutor) -> None:
        argv = ["caddy", "validate", "--adapter", "caddyfile", "--config", "{path}"]
        super().__init__(executor, argv, name="caddy validate")

    async def validate(self, path: Path) -> str | None:
        """Raise unless caddy accepts the Caddyfile."""
        if self.executor.resolve_program("caddy") is None:
            raise ValidatorUnavailable(
                "caddy is not installed, so the Caddyfile cannot be validated; nothing was changed"
            )
        return await super().validate(path)


class ComposeValidator:
    """YAML syntax, then `docker compose config -q` when docker compose is installed."""

    name = "docker compose config"

    def __init__(self, executor: SafeCommandExecutor) -> None:
        self.executor = executor

    async def validate(self, path: Path) -> str | None:
        """Raise unless the YAML parses and (if available) docker compose accepts it."""
        await YamlValidator().validate(path)
        unavailable = "docker compose is not available: only the YAML syntax was checked"
        if self.executor.resolve_program("docker") is None:
            return unavailable
        probe = await self.executor.run(["docker", "compose", "version"])
        if not probe.ok:
            return unavailable
        argv = ["docker", "compose", "-f", "{path}", "config", "-q"]
        return await CommandValidator(self.executor, argv, self.name).validate(path)


def default_validator(target: Path, executor: SafeCommandExecutor) -> Validator:
    """The validator for a file, chosen by its name; BadInput for unknown types."""
    name, suffix = target.name, target.suffix.lower()
    if re.fullmatch(r"(docker-)?compose(\.[\w.-]+)?\.ya?ml", name):
        return ComposeValidator(executor)
    if name == "Caddyfile" or name.startswith("Caddyfile.") or suffix in {".caddy", ".caddyfile"}:
        return CaddyfileValidator(executor)
    known: dict[str, Validator] = {
        ".yaml": YamlValidator(),
        ".yml": YamlValidator(),
        ".json": JsonValidator(),
        ".toml": TomlValidator(),
    }
    if suffix in known:
        return known[suffix]
    raise BadInput(
        f"no validator is known for {name!r}; pass one "
        "(TextValidator() only checks that it is text)"
    )
