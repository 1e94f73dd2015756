"""db.* at the edges: work at the same time, retention during a restore, admins with fewer rights.

As `jarvis` processes against the loopback PostgreSQL and MariaDB, like test_db_tools.
"""

from __future__ import annotations

import json
import subprocess
import uuid

from tests.testbed.cli import JARVIS, Cli
from tests.tools.db.engines import Target, target  # noqa: F401 - the fixture
from tests.tools.db.test_db_tools import Session, cli  # noqa: F401 - the fixture

ROWS = 50_000


def test_two_verifications_of_one_backup_at_once_both_pass(
    cli: Cli,  # noqa: F811
    target: Target,  # noqa: F811
) -> None:
    name = f"jt_{uuid.uuid4().hex[:10]}"
    target.sql(None, f"CREATE DATABASE {name}")
    try:
        target.fill(name, ROWS)
        cli("databases", "add-server", "main", "--url", target.url)
        made = Session(cli).call("db.backup", {"server": "main", "database": name})
        args = json.dumps({"backup": made["data"]["backup"]["id"]})
        # A person's verification while the nightly run verifies the same backup.
        procs = [
            subprocess.Popen(
                [JARVIS, "tools", "call", "db.verify_backup", "--args", args, "--json"],
                env=cli.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outs = [p.communicate(timeout=180) for p in procs]
        for proc, (out, err) in zip(procs, outs, strict=True):
            assert proc.returncode == 0, (out, err)
            assert json.loads(out)["data"]["rows"] == ROWS
        listed = Session(cli).call("db.list_backups", {"server": "main", "database": name})
        assert [b["verified"] for b in listed["data"]["backups"]] == ["passed"]
        assert not [d for d in target.databases() if d.startswith("jarvis_verify_")]
    finally:
        target.drop(name)
