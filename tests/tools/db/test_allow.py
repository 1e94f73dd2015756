"""The dump and restore commands the database tools may run, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import NotAllowed
from tools.db.allow import DB_ALLOW_TREE
from tools.safety.executor import SafeCommandExecutor


@pytest.fixture
def runner(tmp_path: Path) -> SafeCommandExecutor:
    return SafeCommandExecutor(10, 1000, DB_ALLOW_TREE, path_roots=[tmp_path])


def test_the_engines_clients_with_checked_values(
    runner: SafeCommandExecutor, tmp_path: Path
) -> None:
    dump = str(tmp_path / "a.dump")
    argv = ["pg_dump", "--format", "custom", "--host", "::1", "--port", "5432", "--dbname", "app"]
    assert runner.check([*argv, "--file", dump])[1:] == [*argv[1:], "--file", dump]
    runner.check(["pg_restore", "--clean", "--if-exists", "--dbname", "app", dump])
    runner.check(["mariadb-dump", "--single-transaction", "--result-file", dump, "app"])
    runner.check(["mariadb", "--host", "127.0.0.1", "--batch", "--database", "app"])


@pytest.mark.parametrize(
    "argv",
    [
        ["pg_dump", "--host", "-oProxyCommand=x", "--dbname", "app"],  # a flag as a value
        ["pg_dump", "--dbname", "host=evil dbname=app"],  # a connection string
        ["pg_dump", "--file", "/etc/passwd"],  # outside the backup folder
        ["pg_restore", "/etc/shadow"],
        ["mariadb", "--execute", "DROP DATABASE app"],  # SQL on the command line
        ["mariadb-dump", "--password=secret", "app"],  # a password in argv
        ["psql", "--command", "select 1"],  # not a program of the tree
    ],
)
def test_anything_else_is_refused(runner: SafeCommandExecutor, argv: list[str]) -> None:
    with pytest.raises(NotAllowed):
        runner.check(argv)
