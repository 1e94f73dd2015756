"""Config edits: allowlisted path, validated temp copy, backup, atomic swap, rollback."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import stat
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from core.errors import BadInput, ChangeFailed, Conflict, JarvisError, NotAllowed
from tools.safety.atomic_files import Folder
from tools.safety.executor import SafeCommandExecutor
from tools.safety.validators import Validator, default_validator

Step = Callable[[], Awaitable[object]] | Sequence[str]

_NEW_FILE_MODE = 0o644  # configs are read by services running as other users
# What _backup appends to a file's name: ".<_STAMP>[-<attempt>].bak". Backups are found by
# this exact pattern: a glob like "app.yaml.*.bak" would also take app.yaml.local's.
_STAMP = "%Y%m%dT%H%M%S.%fZ"
_BACKUP_SUFFIX = r"\.(?P<stamp>\d{8}T\d{6})(?P<micro>\.\d{6})?Z(?:-(?P<attempt>\d+))?\.bak"


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


def _backup_key(name: str, candidate: str) -> tuple[datetime, int] | None:
    """(time, attempt) when `candidate` is exactly a backup name of file `name`, else None."""
    match = re.fullmatch(re.escape(name) + _BACKUP_SUFFIX, candidate)
    if match is None:
        return None
    try:
        when = datetime.strptime(f"{match['stamp']}{match['micro'] or '.000000'}Z", _STAMP)
    except ValueError:  # digits, but not a date
        return None
    return when, int(match["attempt"] or 0)


def _write_temp(folder: Folder, name: str, data: bytes, like: os.stat_result | None) -> str:
    """A temp copy beside the target with its exact mode and owner (or ChangeFailed)."""
    if like is None:
        return folder.write_temp(name, data, _NEW_FILE_MODE)
    return folder.write_temp(name, data, stat.S_IMODE(like.st_mode), (like.st_uid, like.st_gid))


def _put_back(folder: Folder, name: str, data: bytes | None, like: os.stat_result | None) -> None:
    """Restore the previous bytes exactly (or remove a file that did not exist)."""
    if data is None:
        folder.unlink(name)
    else:
        folder.replace(_write_temp(folder, name, data, like), name)


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

    def _folder(self, target: Path) -> Folder:
        """The target's folder, opened once: every later read, write, rename and unlink goes
        through this descriptor, so swapping the folder for a symlink later redirects nothing."""
        try:
            return Folder(target.parent)
        except OSError as exc:
            raise Conflict(f"the folder of {target} changed while it was opened") from exc

    def preview(self, path: str | Path, new_text: str) -> ConfigPreview:
        """The unified diff and hashes of an edit, without writing anything."""
        target = self.resolve(path)
        with self._folder(target) as folder:
            old, _ = folder.read(target.name)
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
        """Backups of a file, newest first (by time stamp, then attempt number)."""
        target = self.resolve(path)
        folder = self._backup_folder(target)
        if not folder.is_dir():
            return []
        found = [
            (key, p)
            for p in folder.iterdir()
            if (key := _backup_key(target.name, p.name)) is not None and p.is_file()
        ]
        return [p for _, p in sorted(found, key=lambda item: item[0], reverse=True)]

    def _backup(self, target: Path, data: bytes) -> Path:
        """A new backup, never half-written and never over an older one (ChangeFailed)."""
        where = self._backup_folder(target)
        stamp = datetime.now(UTC).strftime(_STAMP)
        names = (f"{target.name}.{stamp}{f'-{n}' if n else ''}.bak" for n in range(100))
        try:
            where.mkdir(parents=True, exist_ok=True, mode=0o700)  # configs hold secrets
            with Folder(where, follow_symlink=True) as folder:
                name = folder.write_new(target.name, data, names)
        except OSError as exc:
            why = exc.strerror or str(exc)
            raise ChangeFailed(
                f"could not write a backup of {target.name} to {where}: {why}"
            ) from exc
        if name is None:
            raise ChangeFailed(f"could not create a backup of {target.name} in {where}")
        return where / name

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
        with self._folder(target) as folder:
            old, like = folder.read(target.name)
            if expected_sha256 is not None and sha256(old or b"") != expected_sha256:
                raise Conflict(f"{target} changed since the preview; preview the edit again")
            new = new_text.encode()
            result = ConfigEditResult(path=str(target), diff=self._diff(target, old or b"", new))
            if old == new:
                result.message = f"{target.name} already has this content"
                return result
            await self._swap(folder, target, new, chosen, old, like, result)
            try:
                failed = await self._steps(apply, health_check, result)
            except BaseException:
                _put_back(folder, target.name, old, like)  # cancelled half-way: put it back
                raise
            if not failed:
                return result
            # Through the folder opened above, even if its path now leads somewhere else.
            _put_back(folder, target.name, old, like)
        result.rolled_back = True
        result.message = f"{failed}; {target.name} was rolled back to its previous content"
        if apply is not None:
            again = await self._step("re-applying the previous config", apply)
            result.message += f", but {again}" if again else " and re-applied"
        raise ConfigChangeFailed(result.message, result)

    async def _swap(
        self,
        folder: Folder,
        target: Path,
        new: bytes,
        chosen: Validator,
        old: bytes | None,
        like: os.stat_result | None,
        result: ConfigEditResult,
    ) -> None:
        """Write, validate and back up, then swap in; any refusal leaves the target untouched."""
        try:
            tmp = _write_temp(folder, target.name, new, like)  # refuses an owner it cannot keep
        except ChangeFailed as exc:
            raise self._refused(exc, result) from exc
        note = await self._validate(folder, target, tmp, chosen, old, result)
        try:
            backup = self._backup(target, old) if old is not None else None
        except BaseException as exc:
            folder.discard(tmp)  # no backup, no swap
            if isinstance(exc, ChangeFailed):
                raise self._refused(exc, result) from exc
            raise
        folder.replace(tmp, target.name)
        result.backup = str(backup) if backup else None
        result.validated = True
        result.message = f"{target.name} updated after validation ({chosen.name})"
        result.message += f"; {note}" if note else ""

    @staticmethod
    def _refused(exc: ChangeFailed, result: ConfigEditResult) -> ConfigChangeFailed:
        result.message = f"{exc.message}; nothing was changed"
        return ConfigChangeFailed(result.message, result)

    async def _validate(
        self,
        folder: Folder,
        target: Path,
        tmp: str,
        chosen: Validator,
        old: bytes | None,
        result: ConfigEditResult,
    ) -> str | None:
        """Validate the temp file; on any failure delete it and leave the target untouched."""
        try:
            # Validators (and the commands they run) take a path, not the folder descriptor;
            # whoever could swap the folder in between could write the file directly anyway.
            note = await chosen.validate(folder.path / tmp)
            # Someone may have written the file while the validator ran.
            if folder.read(target.name)[0] != old:
                raise Conflict(f"{target} changed while the edit was being validated")
        except BaseException as exc:
            folder.discard(tmp)
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

    def backup_of(self, target: Path, backup: str | Path) -> Path:
        """`backup` resolved, if it is one of `target`'s own backups; else refused."""
        source = Path(backup).resolve()
        folder = self._backup_folder(target).resolve()
        if source.parent != folder or _backup_key(target.name, source.name) is None:
            raise PathNotAllowed(f"{str(backup)!r} is not a backup of {target}")
        if not source.is_file():
            raise BadInput(f"backup {str(backup)!r} does not exist")
        return source

    def restore(self, path: str | Path, backup: str | Path) -> ConfigEditResult:
        """Put a backup back (backing up the current content first)."""
        target = self.resolve(path)
        source = self.backup_of(target, backup)
        data = source.read_bytes()
        with self._folder(target) as folder:
            old, like = folder.read(target.name)
            current = self._backup(target, old) if old is not None else None
            _put_back(folder, target.name, data, like)
        return ConfigEditResult(
            path=str(target),
            backup=str(current) if current else None,
            diff=self._diff(target, old or b"", data),
            message=f"{target.name} restored from {source.name}",
        )
