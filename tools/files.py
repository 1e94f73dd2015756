"""Config files under the folders Jarvis may edit: read, change (validated, backed up,
rolled back on failure) and restore from a backup."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

import httpx
from pydantic import Field, HttpUrl

from core.errors import BadInput
from tools.deps import ToolDeps
from tools.registry import SECRET_BEARING, ToolArgs, ToolFamily, ToolResult
from tools.safety.config_edit import ConfigEditor, ConfigEditResult, sha256
from tools.safety.validators import (
    CaddyfileValidator,
    ComposeValidator,
    JsonValidator,
    TextValidator,
    TomlValidator,
    Validator,
    YamlValidator,
    default_validator,
)

family = ToolFamily("files")

MAX_BYTES = 1_000_000
ValidatorName = Literal["auto", "yaml", "json", "toml", "caddyfile", "compose", "text"]


def _editor(deps: ToolDeps) -> ConfigEditor:
    roots = deps.settings.config_edit_roots
    return ConfigEditor(roots, deps.executor, deps.settings.data_dir / "backups")


def _validator(name: ValidatorName, path: Path, deps: ToolDeps) -> Validator:
    chosen: dict[str, Validator] = {
        "yaml": YamlValidator(),
        "json": JsonValidator(),
        "toml": TomlValidator(),
        "text": TextValidator(),
        "caddyfile": CaddyfileValidator(deps.executor),
        "compose": ComposeValidator(deps.executor),
    }
    return chosen[name] if name != "auto" else default_validator(path, deps.executor)


class PathArgs(ToolArgs):
    """A file, by absolute path."""

    path: str = Field(
        min_length=2,
        max_length=4096,
        pattern=r"^/",
        description="Absolute path of the file",
        examples=["/home/evin/contain/plex/compose.yaml"],
    )


async def _real_path(args: PathArgs, deps: ToolDeps) -> PathArgs:
    """The policy sees the file really touched: symlinks and `..` resolved."""
    return args.model_copy(update={"path": str(_editor(deps).resolve(args.path))})


class ReadConfigResult(ToolResult):
    """A config file's content, hash and backups."""

    path: str
    exists: bool
    sha256: str
    content: str
    backups: list[str]


@family.tool(
    "read_config",
    risk="read",
    resource="file:{path}",
    # The owner's own files under the edit roots: reading one then writing it back must not
    # count its path, hash or content as someone else's words.
    untrusted_output=False,
    canonical=_real_path,
    description="""Read a configuration file (Caddyfile, compose.yaml, .env-free YAML/JSON/TOML)
    from a folder Jarvis may edit, with its sha256 (pass it back as expected_sha256 when
    writing, so a concurrent change is noticed) and the list of its backups.""",
)
async def read_config(args: PathArgs, deps: ToolDeps) -> ReadConfigResult:
    """Read one allowed config file."""
    editor = _editor(deps)
    target = editor.resolve(args.path)
    data = await asyncio.to_thread(lambda: target.read_bytes() if target.exists() else b"")
    return ReadConfigResult(
        path=str(target),
        exists=target.exists(),
        sha256=sha256(data),
        content=data.decode("utf-8", errors="replace"),
        backups=[str(p) for p in editor.list_backups(target)],
    )


class EditResult(ConfigEditResult, ToolResult):
    """What a write or restore did."""


class WriteConfigArgs(PathArgs):
    """New content for a config file, and how to check it once it is in place."""

    content: str = Field(
        max_length=MAX_BYTES,
        description="The complete new file content",
        json_schema_extra=SECRET_BEARING,
    )
    validator: ValidatorName = Field(
        "auto", description="How to validate before swapping in; auto picks by file name"
    )
    expected_sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="Refuse if the file changed since read"
    )
    health_url: HttpUrl | None = Field(
        None, description="After applying, this URL must answer with a status below 400"
    )
    health_timeout_s: float = Field(10.0, gt=0, le=120)


async def _pinned(args: WriteConfigArgs, deps: ToolDeps) -> WriteConfigArgs:
    """Resolve the path and pin the file's current hash, so an approval applies to what it saw."""
    editor = _editor(deps)
    target = editor.resolve(args.path)
    if target.exists() and not target.is_file():
        raise BadInput(f"{target} is not a regular file")
    update: dict[str, str] = {"path": str(target)}
    if args.expected_sha256 is None:
        data = await asyncio.to_thread(lambda: target.read_bytes() if target.exists() else b"")
        update["expected_sha256"] = sha256(data)
    return args.model_copy(update=update)


async def _preview_write(args: WriteConfigArgs, deps: ToolDeps) -> str | None:
    preview = _editor(deps).preview(args.path, args.content)
    return preview.diff or "(no change)"


def _health(url: str, timeout: float) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=True) as client:
            response = await client.get(url)
        return response.status_code < 400

    return check


@family.tool(
    "write_config",
    risk="write",
    resource="file:{path}",
    preview=_preview_write,
    canonical=_pinned,
    description="""Replace a configuration file with new content, safely: the content is
    validated first (YAML/JSON/TOML parse, Caddyfile via caddy, compose via docker compose),
    the old file is backed up with a timestamp, the new one is swapped in atomically, then the
    optional health URL is checked; if it fails the old file is restored byte for byte. The
    approval shows the unified diff. (Making a service reload its config is a separate step.)""",
)
async def write_config(args: WriteConfigArgs, deps: ToolDeps) -> EditResult:
    """Validate, back up, swap in, check; roll back on failure."""
    editor = _editor(deps)
    target = editor.resolve(args.path)
    health = _health(str(args.health_url), args.health_timeout_s) if args.health_url else None
    result = await editor.apply(
        target,
        args.content,
        validator=_validator(args.validator, target, deps),
        health_check=health,
        expected_sha256=args.expected_sha256,
    )
    return EditResult(**result.model_dump())


class RestoreArgs(PathArgs):
    """Which backup to put back."""

    backup: str = Field(
        min_length=2,
        max_length=4096,
        pattern=r"^/",
        description="A path from read_config's backups",
        examples=["/var/lib/jarvis/backups/compose.yaml.20261124T120000Z.bak"],
    )


async def _preview_restore(args: RestoreArgs, deps: ToolDeps) -> str | None:
    editor = _editor(deps)
    source = editor.backup_of(editor.resolve(args.path), args.backup)
    text = source.read_bytes().decode("utf-8", errors="replace")
    return editor.preview(args.path, text).diff or "(no change)"


async def _real_backup(args: RestoreArgs, deps: ToolDeps) -> RestoreArgs:
    """Resolve the file and make sure the backup is one of its own."""
    editor = _editor(deps)
    target = editor.resolve(args.path)
    source = editor.backup_of(target, args.backup)
    return args.model_copy(update={"path": str(target), "backup": str(source)})


@family.tool(
    "restore_config",
    risk="write",
    resource="file:{path}",
    preview=_preview_restore,
    canonical=_real_backup,
    description="""Put a configuration file back to one of its earlier backups (listed by
    files.read_config). The current content is backed up first, so this can be undone too.""",
)
async def restore_config(args: RestoreArgs, deps: ToolDeps) -> EditResult:
    """Restore a file from one of its backups."""
    result: ConfigEditResult = await asyncio.to_thread(
        _editor(deps).restore, args.path, args.backup
    )
    return EditResult(**result.model_dump())
