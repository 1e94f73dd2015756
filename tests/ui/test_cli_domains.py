"""`jarvis domains` as a real process: list, import (all or nothing, --partial), export."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from memory.db import Database
from memory.domain_models import DomainStatus
from memory.domains import DomainChanges, find_domain, update_domain
from tests.testbed.caddy_pebble import Caddy
from tests.testbed.jarvis_server import free_port

JARVIS = str(Path(sys.executable).parent / "jarvis")

CSV = (
    "fqdn,target,provider,notes\n"
    "plex.example.com,plex:32400,,media\n"
    "n8n.example.com,127.0.0.1:5678,rfc2136,\n"
)
BAD = (
    "fqdn,target\n"
    "good.example.com,app:80\n"
    "bad..example.com,app:80\n"
    "port.example.com,app:0\n"
    "good.example.com,app:80\n"
)


class Cli:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(
        self, *argv: str, code: int = 0, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [JARVIS, *argv],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            input=stdin,
        )
        assert proc.returncode == code, (argv, proc.returncode, proc.stdout, proc.stderr)
        return proc

    def json(self, *argv: str, code: int = 0) -> Any:
        return json.loads(self(*argv, "--json", code=code).stdout)


def make_cli(tmp_path: Path, db_url: str) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}
    env.update(
        JARVIS_DATA_DIR=str(tmp_path / "data"), JARVIS_DATABASE_URL=db_url, HOME=str(tmp_path)
    )
    return Cli(env)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The CLI on its embedded database (both backends are covered in tests/tools/domains)."""
    return make_cli(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}")


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Cli:
    """The CLI on its embedded SQLite database (for what does not depend on the backend)."""
    return make_cli(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}")


def test_import_list_export_round_trip(cli: Cli, tmp_path: Path) -> None:
    assert cli("domains", "list").stdout.strip() == "no domains"
    source = tmp_path / "domains.csv"
    source.write_text(CSV)
    done = cli("domains", "import", str(source))
    assert "imported 2 domain(s)" in done.stdout

    listed = cli.json("domains", "list")
    assert [d["fqdn"] for d in listed] == ["n8n.example.com", "plex.example.com"]
    assert listed[0]["provider"] == "rfc2136" and listed[1]["status"] == "pending"
    assert cli.json("domains", "list", "--status", "active") == []

    for fmt in ("json", "csv"):
        exported = cli("domains", "export", "--format", fmt).stdout
        copy = tmp_path / f"copy.{fmt}"
        copy.write_text(exported)
        again = cli.json("domains", "import", str(copy))
        assert again["created"] == [] and len(again["unchanged"]) == 2
        assert cli("domains", "export", "--format", fmt).stdout == exported
    rows = json.loads(cli("domains", "export", "--format", "json").stdout)
    assert rows[1] == {
        "fqdn": "plex.example.com",
        "target": "plex:32400",
        "provider": "zoneedit",
        "zone": "example.com",
        "notes": "media",
    }
    cli("domains", "export", "--format", "xml", code=2)


def test_bad_rows_are_listed_and_nothing_is_imported(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(BAD)
    refused = cli("domains", "import", str(source), code=2)
    lines = refused.stderr.splitlines()
    assert lines[0].startswith("line 3: fqdn:")
    assert lines[1].startswith("line 4: target:")
    assert lines[2].startswith("line 5: fqdn:") and "appears already in line 2" in lines[2]
    assert "nothing was imported" in lines[3]
    assert cli.json("domains", "list") == []

    partial = cli("domains", "import", str(source), "--partial")
    assert "imported 1 domain(s)" in partial.stdout and "line 4: target:" in partial.stderr
    assert [d["fqdn"] for d in cli.json("domains", "list")] == ["good.example.com"]


def test_format_comes_from_the_extension_or_the_option(sqlite_cli: Cli, tmp_path: Path) -> None:
    cli = sqlite_cli
    odd = tmp_path / "domains.txt"
    odd.write_text('[{"fqdn": "a.example.com", "target": "a:1"}]')
    assert "--format" in cli("domains", "import", str(odd), code=2).stderr
    cli("domains", "import", str(odd), "--format", "csv", code=2)  # JSON read as CSV: no header
    cli("domains", "import", str(odd), "--format", "json")
    cli("domains", "import", "-", "--format", "csv", stdin="fqdn,target\nb.example.com,b:2\n")
    assert [d["fqdn"] for d in cli.json("domains", "list")] == ["a.example.com", "b.example.com"]
    assert "cannot read" in cli("domains", "import", str(tmp_path / "gone.csv"), code=2).stderr


async def mark_failed(url: str, fqdn: str) -> None:
    """As a provisioning that failed and was rolled back leaves a domain."""
    db = Database(url)
    try:
        domain = await find_domain(db, fqdn)
        assert domain is not None
        await update_domain(db, domain.id, DomainChanges(status=DomainStatus.FAILED))
    finally:
        await db.close()


def test_a_failed_domain_is_removed_from_the_terminal(tmp_path: Path, caddy: Caddy) -> None:
    cli = make_cli(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}")
    (tmp_path / "domains.csv").write_text("fqdn,target\nfailed.example.test,app:80\n")
    cli("domains", "import", str(tmp_path / "domains.csv"))
    asyncio.run(mark_failed(cli.env["JARVIS_DATABASE_URL"], "failed.example.test"))

    # Caddy silent: said at once, nothing asked.
    cli.env["JARVIS_DOMAINS__CADDY_ADMIN_URL"] = f"http://127.0.0.1:{free_port()}"
    refused = cli("domains", "remove", "failed.example.test", code=1)
    assert "Caddy's admin API" in refused.stdout + refused.stderr
    assert cli.json("approvals", "list") == []

    # Caddy there: asked, approved from the terminal, removed.
    cli.env["JARVIS_DOMAINS__CADDY_ADMIN_URL"] = caddy.admin
    asked = cli("domains", "remove", "failed.example.test")
    assert "Deprovision failed.example.test — asked by" in asked.stdout
    approval_id = asked.stdout.split("jarvis approvals approve ")[1].split()[0]
    cli("approvals", "approve", approval_id)
    [row] = cli.json("domains", "list")
    assert (row["fqdn"], row["status"]) == ("failed.example.test", "removed")
