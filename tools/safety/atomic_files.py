"""Low-level file work for config edits, relative to one open folder.

Every operation goes through a descriptor of the folder opened once, so a parent folder that is
renamed and replaced by a symbolic link later (while a health check runs, say) cannot redirect
a write, a rename or an unlink somewhere else: they all still land in the folder that was opened.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from core.errors import BadInput, ChangeFailed, Conflict

_TEMP_SUFFIX = ".jarvis-tmp"


class Folder:
    """An open folder; names passed to its methods are plain file names inside it."""

    def __init__(self, path: Path, *, follow_symlink: bool = False) -> None:
        """Open `path` (a resolved path); unless `follow_symlink`, it must be exactly there."""
        flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
        self.path = path
        self.fd = os.open(path, flags if follow_symlink else flags | os.O_NOFOLLOW)
        if follow_symlink:
            return
        # O_NOFOLLOW only covers the last part: a folder higher up may have been swapped for a
        # symlink since the path was resolved. Check where the descriptor really is (Linux).
        try:
            where = os.readlink(f"/proc/self/fd/{self.fd}")
        except OSError:
            where = str(path)  # no /proc: nothing more to check
        if where != str(path):
            self.close()
            raise FileNotFoundError(errno.ENOENT, "the folder moved while it was opened", str(path))

    def close(self) -> None:
        """Close the folder descriptor (idempotent)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Folder:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def sync(self) -> None:
        """Flush the folder's entries: a rename or unlink is durable only after this."""
        os.fsync(self.fd)

    def read(self, name: str) -> tuple[bytes | None, os.stat_result | None]:
        """The file's bytes and stat, or (None, None) when it does not exist."""
        # O_NOFOLLOW: a file swapped for a symlink is refused; O_NONBLOCK: a FIFO cannot hang us.
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(name, flags, dir_fd=self.fd)
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise Conflict(f"{self.path / name} was replaced by a symbolic link") from exc
            raise
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise BadInput(f"{self.path / name} is not a regular file")
            return handle.read(), info

    def write_temp(
        self, stem: str, data: bytes, mode: int, owner: tuple[int, int] | None = None
    ) -> str:
        """Write, chown, chmod and fsync a new hidden temp file; return its name.

        The owner cannot always be kept (only root may give a file away): then ChangeFailed,
        and nothing is left behind. chmod comes after chown, which clears setuid/setgid bits.
        """
        fd, name = self._create_temp(stem)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if owner is not None:
                    try:
                        os.fchown(handle.fileno(), *owner)
                    except OSError as exc:
                        raise ChangeFailed(
                            f"cannot keep the owner (uid {owner[0]}, gid {owner[1]}) of "
                            f"{self.path / stem}: {exc.strerror or exc}"
                        ) from exc
                os.fchmod(handle.fileno(), mode)
                kept = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
                if kept != mode:
                    raise ChangeFailed(f"cannot keep mode {mode:o} of {self.path / stem}")
                os.fsync(handle.fileno())
        except BaseException:
            self.discard(name)
            raise
        return name

    def _create_temp(self, stem: str) -> tuple[int, str]:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        for _ in range(100):
            name = f".{stem}.{secrets.token_hex(6)}{_TEMP_SUFFIX}"
            try:
                return os.open(name, flags, 0o600, dir_fd=self.fd), name
            except FileExistsError:
                continue
        raise FileExistsError(errno.EEXIST, "no free temp file name", str(self.path))

    def replace(self, tmp: str, name: str) -> None:
        """Atomically put `tmp` in place of `name` (the temp is removed if that fails).

        Renaming gives the file a new inode: a bind mount of this single file keeps showing
        the old inode (so a container would not see the edit); bind-mounting the folder is fine.
        """
        try:
            os.replace(tmp, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        except BaseException:
            self.discard(tmp)
            raise
        self.sync()

    def write_new(self, stem: str, data: bytes, names: Iterable[str]) -> str | None:
        """Write a 0600 file under the first of `names` that is free; None if none was.

        Temp file, fsync, then a hard link to its name: the file is never seen half-written,
        and (unlike a rename) the link never replaces an existing file.
        """
        tmp = self.write_temp(stem, data, 0o600)
        try:
            for name in names:
                try:
                    os.link(
                        tmp, name, src_dir_fd=self.fd, dst_dir_fd=self.fd, follow_symlinks=False
                    )
                except FileExistsError:
                    continue
                self.sync()
                return name
            return None
        finally:
            self.discard(tmp)

    def unlink(self, name: str) -> None:
        """Remove a file if it exists, durably."""
        self.discard(name)
        self.sync()

    def discard(self, name: str) -> None:
        """Remove a file if it exists (no fsync: for temp files)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=self.fd)
