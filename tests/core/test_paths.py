"""Private files: created 0600 in a 0700 folder, and wider modes taken back."""

from __future__ import annotations

import stat
from pathlib import Path

from core.paths import private_dir, private_file, private_sqlite, too_open


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_files_and_dirs_are_private(tmp_path: Path) -> None:
    target = tmp_path / "data" / "jarvis.db"
    private_file(target)
    assert mode(target.parent) == 0o700 and mode(target) == 0o600
    assert target.read_bytes() == b""


def test_wider_modes_are_tightened_and_content_kept(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    db = data / "jarvis.db"
    db.write_bytes(b"SQLite format 3\x00")
    for path in (db, data / "jarvis.db-wal", data / "jarvis.db-shm"):
        path.touch()
        path.chmod(0o644)
    assert len(too_open([data, db, data / "jarvis.db-wal", data / "nope"])) == 3
    private_sqlite(db)
    assert mode(data) == 0o700
    assert {mode(p) for p in data.iterdir()} == {0o600}
    assert db.read_bytes() == b"SQLite format 3\x00"
    assert too_open([data, *data.iterdir()]) == []


def test_private_dir_keeps_narrower_modes(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    private_dir(folder)
    assert mode(folder) == 0o500
