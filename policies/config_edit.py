"""Config-file edits: allowlisted path, validate a temp copy, back up, swap atomically, roll back."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
import re
import stat
import tempfile
import json
import tomllib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel

from core.errors import BadInput, ChangeFailed, Conflict, JarvisError, NotFound
from policies.executor import NotAllowed, SafeCommandExecutor

Step = Callable[[], Awaitable[object]] | Sequence[str]

_NEW_FILE_MODE = 0o644


class PathNotAllowed(NotAllowed):
    """The file is outside the folders Jarvis may edit; nothing was written."""


class ValidatorUnavailable(NotFound):
    """The tool needed to validate this kind of file is not installed; nothing was changed."""


class Validator(Protocol):
    """Checks a candidate file; raises (ChangeFailed) when it is invalid, may return a note."""

    name: str

    async def validate(self, path: Path) -> str | None:
        """Raise when the file at `path` is not valid."""
        ...


class TextValidator:
    """Only checks that the file is UTF-8 text: for file types with no syntax checker."""

    name = "text"

    async def validate(self, path: Path) -> str | None:
        """Raise unless the file is UTF-8 without NUL characters."""
        try:
            text = path.read_bytes().decode()
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
            list(yaml.safe_load_all(path.read_bytes().decode()))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ChangeFailed(str(exc)) from exc
        return None


class JsonValidator:
    """Parses JSON."""

    name = "JSON syntax"

    async def validate(self, path: Path) -> str | None:
        """Raise unless the file parses as JSON."""
        try:
            json.loads(path.read_bytes().decode())
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise ChangeFailed(str(exc)) from exc
        return None


class TomlValidator:
    """Parses TOML."""

    name = "TOML syntax"

    async def validate(self, path: Path) -> str | None:
        """Raise unless the file parses as TOML."""
        try:
            tomllib.loads(path.read_bytes().decode())
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
        if self.executor.resolve_program("docker") is None:
            return "docker is not installed: only the YAML syntax was checked"
        probe = await self.executor.run(["docker", "compose", "version"])
        if not probe.ok:
            return "docker compose is not available: only the YAML syntax was checked"
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
        f"no validator is known for {name!r}; pass one (TextValidator() checks only that it is text)"
    )


class ConfigPreview(BaseModel):
    """What an edit would change: the approval shows this diff."""

    path: str
    exists: bool
    old_sha256: str  # sha256 of b"" when the file does not exist yet
    new_sha256: str
    diff: str
    changed: bool


class ConfigEditResult(BaseModel):
    """What an edit did."""

    path: str
    backup: str | None
    diff: str
    validated: bool
    applied: bool
    healthy: bool | None
    rolled_back: bool
    message: str


def sha256(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(folder: Path) -> None:
    # The rename itself is only durable once the directory entry is flushed.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_beside(target: Path, data: bytes, mode: int) -> Path:
    """Write `data` to a new temp file in the target's folder (same filesystem for replace)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".jarvis-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, mode)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _atomic_write(target: Path, data: bytes, mode: int) -> None:
    tmp = _write_beside(target, data, mode)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


class ConfigEditor:
    """Edits files under `roots` with validation, a backup, an atomic swap and rollback."""

    def __init__(self, roots: Sequence[Path], executor: SafeCommandExecutor, backup_dir: Path):
        self.roots = [Path(root).resolve() for root in roots]
        # Validators may pass temp files (which live beside the edited file) to commands.
        self.executor = executor.with_path_roots(self.roots)
        self.backup_dir = Path(backup_dir)

    def resolve(self, path: str | Path) -> Path:
        """The real path of an editable file, or PathNotAllowed / BadInput."""
        raw = Path(path)
        if not raw.is_absolute():
            raise BadInput(f"{str(path)!r} is not an absolute path")
        real = raw.resolve()  # follows symlinks, so a link pointing out of a root is caught
        if not any(real.is_relative_to(root) and real != root for root in self.roots):
            raise PathNotAllowed(f"{str(path)!r} is not inside a folder Jarvis may edit")
        if real.is_dir():
            raise BadInput(f"{str(path)!r} is a folder, not a file")
        if not real.parent.is_dir():
            raise BadInput(f"the folder of {str(path)!r} does not exist")
        return real

    def preview(self, path: str | Path, new_text: str) -> ConfigPreview:
        """The unified diff and hashes of an edit, without writing anything."""
        target = self.resolve(path)
        old = target.read_bytes() if target.exists() else b""
        new = new_text.encode()
        return ConfigPreview(
            path=str(target),
            exists=target.exists(),
            old_sha256=sha256(old),
            new_sha256=sha256(new),
            diff=self._diff(target, old, new),
            changed=old != new or not target.exists(),
        )

    def _diff(self, target: Path, old: bytes, new: bytes) -> str:
        lines = difflib.unified_diff(
            old.decode(errors="replace").splitlines(keepends=True),
            new.decode(errors="replace").splitlines(keepends=True),
            fromfile=f"a{target}",
            tofile=f"b{target}",
        )
        # Config files hold passwords; the diff goes to the approval, the model and the audit.
        return self.executor.redactor.text("".join(lines))

    def _backup_folder(self, target: Path) -> Path:
        # Mirror the absolute folder so two compose.yaml files never share backups.
        return self.backup_dir.joinpath(*target.parent.parts[1:])

    def list_backups(self, path: str | Path) -> list[Path]:
        """Backups of a file, newest first."""
        target = self.resolve(path)
        folder = self._backup_folder(target)
        if not folder.is_dir():
            return []
        found = [p for p in folder.glob(f"{target.name}.*.bak") if p.is_file()]
        return sorted(found, key=lambda p: p.name, reverse=True)

    def _backup(self, target: Path, data: bytes) -> Path:
        folder = self._backup_folder(target)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        for attempt in range(100):
            name = f"{target.name}.{stamp}{f'-{attempt}' if attempt else ''}.bak"
            try:
                # O_EXCL: never overwrite an older backup; 0600 because configs hold secrets.
                fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            return folder / name
        raise ChangeFailed(f"could not create a backup of {target.name} in {folder}")

    async def apply(
        self,
        path: str | Path,
        new_text: str,
        *,
        validator: Validator | None = None,
        apply: Step | None = None,
        health_check: Step | None = None,
        expected_sha256: str | None = None,
    ) -> ConfigEditResult:
        """Validate, back up and swap in `new_text`; roll back if apply or health check fails."""
        target = self.resolve(path)
        for step in (apply, health_check):
            if step is not None and not callable(step):
                self.executor.check(list(step))  # refuse before anything is written
        chosen = validator if validator is not None else default_validator(target, self.executor)
        existed = target.exists()
        old = target.read_bytes() if existed else b""
        if expected_sha256 is not None and sha256(old) != expected_sha256:
            raise Conflict(f"{target} changed since the preview; preview the edit again")
        new = new_text.encode()
        diff = self._diff(target, old, new)
        mode = stat.S_IMODE(target.stat().st_mode) if existed else _NEW_FILE_MODE
        if existed and old == new:
            return ConfigEditResult(
                path=str(target),
                backup=None,
                diff="",
                validated=False,
                applied=False,
                healthy=None,
                rolled_back=False,
                message=f"{target.name} already has this content",
            )

        tmp = _write_beside(target, new, mode)
        try:
            note = await chosen.validate(tmp)
            if existed:
                st = target.stat()
                with contextlib.suppress(PermissionError):
                    os.chown(tmp, st.st_uid, st.st_gid)  # keep the owner when we may
            # Re-read: someone may have written the file while the validator ran.
            current = target.read_bytes() if target.exists() else b""
            if current != old or target.exists() != existed:
                raise Conflict(f"{target} changed while the edit was being validated")
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            if isinstance(exc, JarvisError) and not isinstance(exc, ChangeFailed):
                raise
            if isinstance(exc, Exception):
                why = self.executor.redactor.text(str(exc))
                raise ChangeFailed(
                    f"{target.name} failed validation ({chosen.name}): {why}; nothing was changed"
                ) from exc
            raise

        backup = self._backup(target, old) if existed else None
        try:
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        result = ConfigEditResult(
            path=str(target),
            backup=str(backup) if backup else None,
            diff=diff,
            validated=True,
            applied=False,
            healthy=None,
            rolled_back=False,
            message=f"{target.name} updated after validation ({chosen.name})"
            + (f"; {note}" if note else ""),
        )

        failed = ""
        try:
            if apply is not None:
                failed = await self._step("apply step", apply)
                result.applied = not failed
            if not failed and health_check is not None:
                failed = await self._step("health check", health_check)
                result.healthy = not failed
        except BaseException:
            # Cancelled half-way: put the old file back before going away.
            self._restore_bytes(target, old if existed else None, mode)
            raise
        if not failed:
            return result

        self._restore_bytes(target, old if existed else None, mode)
        result.rolled_back = True
        result.message = f"{failed}; {target.name} was rolled back to its previous content"
        if apply is not None:
            again = await self._step("re-applying the previous config", apply)
            if again:
                result.message += f", but {again}"
        error = ChangeFailed(result.message)
        error.result = result  # type: ignore[attr-defined]
        raise error

    async def _step(self, what: str, step: Step) -> str:
        """Run an apply/health step; return why it failed, or "" when it passed."""
        try:
            if callable(step):
                outcome = await step()
                return f"the {what} reported failure" if outcome is False else ""
            res = await self.executor.run(list(step))
        except Exception as exc:
            return f"the {what} failed: {self.executor.redactor.text(str(exc))}"
        if res.timed_out:
            return f"the {what} timed out after {res.duration_s:.0f}s"
        if res.exit_code != 0:
            tail = (res.stderr or res.stdout).strip()[-500:]
            return f"the {what} exited with code {res.exit_code}: {tail}"
        return ""

    def _restore_bytes(self, target: Path, data: bytes | None, mode: int) -> None:
        if data is None:
            target.unlink(missing_ok=True)
            _fsync_dir(target.parent)
        else:
            _atomic_write(target, data, mode)

    def restore(self, path: str | Path, backup: str | Path) -> ConfigEditResult:
        """Put a backup back (backing up the current content first)."""
        target = self.resolve(path)
        source = Path(backup).resolve()
        if source.parent != self._backup_folder(target).resolve() or not source.name.startswith(
            f"{target.name}."
        ):
            raise PathNotAllowed(f"{str(backup)!r} is not a backup of {target}")
        if not source.is_file():
            raise BadInput(f"backup {str(backup)!r} does not exist")
        data = source.read_bytes()
        existed = target.exists()
        old = target.read_bytes() if existed else b""
        mode = stat.S_IMODE(target.stat().st_mode) if existed else _NEW_FILE_MODE
        current_backup = self._backup(target, old) if existed else None
        _atomic_write(target, data, mode)
        return ConfigEditResult(
            path=str(target),
            backup=str(current_backup) if current_backup else None,
            diff=self._diff(target, old, data),
            validated=False,
            applied=False,
            healthy=None,
            rolled_back=False,
            message=f"{target.name} restored from {source.name}",
        )
