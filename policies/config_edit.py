"""Config edits: allowlisted path, validated temp copy, backup, atomic swap, rollback."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
import stat
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from core.errors import BadInput, ChangeFailed, Conflict, JarvisError, NotAllowed
from policies.executor import SafeCommandExecutor
from policies.validators import Validator, default_validator

Step = Callable[[], Awaitable[object]] | Sequence[str]

_NEW_FILE_MODE = 0o644  # configs are read by services running as other users


class PathNotAllowed(NotAllowed):
    """The file is outside the folders Jarvis may edit; nothing was written."""


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
    backup: str | None = None
    diff: str = ""
    validated: bool = False
    applied: bool = False
    healthy: bool | None = None  # None: no health check was run
    rolled_back: bool = False
    message: str = ""


class ConfigChangeFailed(ChangeFailed):
    """An edit was refused or rolled back; `.result` says what happened."""

    def __init__(self, message: str, result: ConfigEditResult) -> None:
        super().__init__(message, result.model_dump(mode="json"))
        self.result = result


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


def _write_beside(target: Path, data: bytes, like: os.stat_result | None) -> Path:
    """Write `data` to a temp file beside the target (same filesystem: replace is atomic)."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".jarvis-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, stat.S_IMODE(like.st_mode) if like else _NEW_FILE_MODE)
        if like is not None:
            with contextlib.suppress(PermissionError):
                os.chown(name, like.st_uid, like.st_gid)  # keep the owner when we may
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _discard(tmp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


def _replace(tmp: Path, target: Path) -> None:
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _read(target: Path) -> tuple[bytes | None, os.stat_result | None]:
    """The file's bytes and stat, or (None, None) when it does not exist."""
    try:
        return target.read_bytes(), target.stat()
    except FileNotFoundError:
        return None, None


class ConfigEditor:
    """Edits files under `roots` with validation, a backup, an atomic swap and rollback."""

    def __init__(
        self, roots: Sequence[Path], executor: SafeCommandExecutor, backup_dir: Path
    ) -> None:
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
        old, _ = _read(target)
        new = new_text.encode()
        return ConfigPreview(
            path=str(target),
            exists=old is not None,
            old_sha256=sha256(old or b""),
            new_sha256=sha256(new),
            diff=self._diff(target, old or b"", new),
            changed=old != new,
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
        found = [p for p in folder.glob(f"{target.name}.*.bak") if p.is_file()]
        return sorted(found, key=lambda p: p.name, reverse=True)

    def _backup(self, target: Path, data: bytes) -> Path:
        folder = self._backup_folder(target)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        for attempt in range(100):
            name = folder / f"{target.name}.{stamp}{f'-{attempt}' if attempt else ''}.bak"
            try:
                # O_EXCL: never overwrite an older backup; 0600 because configs hold secrets.
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            return name
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
            if isinstance(step, str | bytes):
                raise BadInput("a step is an argv list or an async callable, never a shell string")
            if step is not None and not callable(step):
                self.executor.check(list(step))  # refuse before anything is written
        chosen = validator if validator is not None else default_validator(target, self.executor)
        old, like = _read(target)
        if expected_sha256 is not None and sha256(old or b"") != expected_sha256:
            raise Conflict(f"{target} changed since the preview; preview the edit again")
        new = new_text.encode()
        result = ConfigEditResult(path=str(target), diff=self._diff(target, old or b"", new))
        if old == new:
            result.message = f"{target.name} already has this content"
            return result

        tmp = _write_beside(target, new, like)
        note = await self._validate(target, tmp, chosen, old, result)
        try:
            backup = self._backup(target, old) if old is not None else None
        except BaseException:
            _discard(tmp)  # no backup, no swap
            raise
        _replace(tmp, target)
        result.backup = str(backup) if backup else None
        result.validated = True
        result.message = f"{target.name} updated after validation ({chosen.name})"
        result.message += f"; {note}" if note else ""

        try:
            failed = await self._steps(apply, health_check, result)
        except BaseException:
            self._put_back(target, old, like)  # cancelled half-way: leave the old file in place
            raise
        if not failed:
            return result
        self._put_back(target, old, like)
        result.rolled_back = True
        result.message = f"{failed}; {target.name} was rolled back to its previous content"
        if apply is not None:
            again = await self._step("re-applying the previous config", apply)
            result.message += f", but {again}" if again else " and re-applied"
        raise ConfigChangeFailed(result.message, result)

    async def _validate(
        self,
        target: Path,
        tmp: Path,
        chosen: Validator,
        old: bytes | None,
        result: ConfigEditResult,
    ) -> str | None:
        """Validate the temp file; on any failure delete it and leave the target untouched."""
        try:
            note = await chosen.validate(tmp)
            # Someone may have written the file while the validator ran.
            if _read(target)[0] != old:
                raise Conflict(f"{target} changed while the edit was being validated")
        except BaseException as exc:
            _discard(tmp)
            if isinstance(exc, JarvisError) and not isinstance(exc, ChangeFailed):
                raise  # Conflict, ValidatorUnavailable, CommandNotAllowed keep their type
            if not isinstance(exc, Exception):
                raise
            why = self.executor.redactor.text(str(exc))
            result.message = f"{target.name} failed validation ({chosen.name}): {why}"
            result.message += "; nothing was changed"
            raise ConfigChangeFailed(result.message, result) from exc
        return note

    async def _steps(
        self, apply: Step | None, health_check: Step | None, result: ConfigEditResult
    ) -> str:
        """Run the apply step, then the health check; return why one failed, or ""."""
        if apply is not None:
            failed = await self._step("apply step", apply)
            result.applied = not failed
            if failed:
                return failed
        if health_check is not None:
            failed = await self._step("health check", health_check)
            result.healthy = not failed
            return failed
        return ""

    async def _step(self, what: str, step: Step) -> str:
        """Run one step; a callable fails by raising or returning False, argv by exiting non-0."""
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

    def _put_back(self, target: Path, old: bytes | None, like: os.stat_result | None) -> None:
        """Restore the previous bytes exactly (or remove a file that did not exist)."""
        if old is None:
            target.unlink(missing_ok=True)
            _fsync_dir(target.parent)
        else:
            _replace(_write_beside(target, old, like), target)

    def backup_of(self, target: Path, backup: str | Path) -> Path:
        """`backup` resolved, if it is one of `target`'s own backups; else refused."""
        source = Path(backup).resolve()
        folder = self._backup_folder(target).resolve()
        if source.parent != folder or not source.name.startswith(f"{target.name}."):
            raise PathNotAllowed(f"{str(backup)!r} is not a backup of {target}")
        if not source.is_file():
            raise BadInput(f"backup {str(backup)!r} does not exist")
        return source

    def restore(self, path: str | Path, backup: str | Path) -> ConfigEditResult:
        """Put a backup back (backing up the current content first)."""
        target = self.resolve(path)
        source = self.backup_of(target, backup)
        data = source.read_bytes()
        old, like = _read(target)
        current = self._backup(target, old) if old is not None else None
        self._put_back(target, data, like)
        return ConfigEditResult(
            path=str(target),
            backup=str(current) if current else None,
            diff=self._diff(target, old or b"", data),
            message=f"{target.name} restored from {source.name}",
        )
