"""Private files: the data dir is 0700 and what Jarvis keeps in it 0600."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
INITIAL_PASSWORD_FILE = "initial-admin-password"  # noqa: S105  (a file name, not a password)


def _tighten(path: Path, allowed: int) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & ~allowed:
        # Not ours to change (another owner): `too_open` still reports it.
        with contextlib.suppress(PermissionError):
            path.chmod(mode & allowed)


def private_dir(path: Path) -> None:
    """Create `path` (0700) or take group and other access away from it."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _tighten(path, PRIVATE_DIR)


def private_file(path: Path) -> None:
    """Create `path` empty (0600) unless it exists; take group and other access away."""
    private_dir(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    _tighten(path, PRIVATE_FILE)


def private_sqlite(path: Path, create: bool = True) -> None:
    """A SQLite file and its WAL/SHM (SQLite gives those the main file's mode) made private;
    with `create=False` only files that exist already are touched."""
    if create:
        private_file(path)
    elif path.exists():
        _tighten(path, PRIVATE_FILE)
    for suffix in SQLITE_SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            _tighten(side, PRIVATE_FILE)


def too_open(paths: Iterable[Path]) -> list[str]:
    """One line per existing path that group or others may read, write or enter."""
    problems = []
    for path in paths:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            problems.append(f"{path} is {mode:04o}: others on this machine can reach it")
    return problems
