"""Starting at the newest revision skips Alembic; anything else still goes through it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from memory.db import (
    HEAD_REVISION,
    alembic_config,
    schema_revision,
    stored_revision,
    upgrade_to_head,
)


def test_the_head_constant_is_the_newest_migration() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite:///unused.db"))
    assert scripts.get_heads() == [HEAD_REVISION]


def test_a_database_at_head_is_left_without_loading_alembic(db_url: str) -> None:
    assert stored_revision(db_url) == HEAD_REVISION
    code = (
        "import sys; from memory.db import upgrade_to_head; "
        f"upgrade_to_head({db_url!r}); print('alembic' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"
    assert schema_revision(db_url) == HEAD_REVISION


def test_a_database_behind_is_brought_to_head(db_url: str) -> None:
    command.downgrade(alembic_config(db_url), "-1")
    assert stored_revision(db_url) != HEAD_REVISION
    upgrade_to_head(db_url)
    assert stored_revision(db_url) == HEAD_REVISION


def test_a_new_sqlite_database_is_created_private_and_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'jarvis.db'}"
    assert stored_revision(url) is None
    upgrade_to_head(url)
    assert stored_revision(url) == HEAD_REVISION
    assert (tmp_path / "new" / "jarvis.db").stat().st_mode & 0o777 == 0o600
