"""Replies to the database and hosts tools, from their own result models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agent.router import PlannedCall, render_reply
from agent.router.replies import describe, render_one
from tests.agent.router import results as r
from tools.db.backup_tools import BackupRow, BackupsResult, RestoreResult, VerifyResult
from tools.db.engine import DatabaseInfo
from tools.db.tools import CreatedResult, DatabasesResult, ServerRow, ServersResult
from tools.hosts.tools import HostRow, ListHostsResult

AT = datetime(2026, 12, 6, 3, 30, tzinfo=UTC)
ID = "0f3c2a1b-1111-4222-8333-444455556666"
TABLES = [{"table": "public.events", "expected": 5000, "found": 5000, "ok": True}]


def row(rows: int = 5000, verified: str | None = "passed") -> BackupRow:
    return BackupRow(
        id=ID, created_at=AT, kind="scheduled", status="done", size=3 * 2**20, sha256="ab",
        tables={"public.events": rows}, rows=rows, verified=verified,
        verified_at=AT if verified else None, path="/backups/x.dump.gz",
    )  # fmt: skip


def say(tool: str, data: object, args: dict[str, object] | None = None, **kw: object) -> str:
    call = PlannedCall(tool=tool, args=args or {})
    return render_one(call, r.outcome(tool, data=data, args=args, **kw))  # type: ignore[arg-type]


def test_restore_reply_counts_the_rows_and_names_the_safety_backup() -> None:
    result = RestoreResult(
        backup=ID, server="main", database="stream_bot", created=False,
        safety_backup="99999999-1111-4222-8333-444455556666", rows=5000, tables=TABLES,
    )  # fmt: skip
    text = say("db.restore", result, {"backup": ID, "database": "stream_bot"})
    assert text.startswith("Restored backup 0f3c2a1b into stream_bot on main: 5000 rows in 1")
    assert "every table as recorded" in text
    assert "safety backup 99999999" in text


def test_verify_reply_shows_the_row_count() -> None:
    result = VerifyResult(
        backup=ID, server="main", database="n8n", passed=True, rows=5000, tables=TABLES,
        scratch_database="jarvis_verify_x",
    )  # fmt: skip
    text = say("db.verify_backup", result, {"backup": ID})
    assert "Backup 0f3c2a1b of n8n verified" in text and "5000 rows in 1 table" in text


def test_a_failed_verification_names_the_table() -> None:
    bad = [{"table": "public.events", "expected": 5000, "found": 4999, "ok": False}]
    result = VerifyResult(
        backup=ID, server="main", database="n8n", passed=True, rows=4999, tables=bad,
        scratch_database="jarvis_verify_x",
    )  # fmt: skip
    assert "public.events expected 5000, found 4999" in say("db.verify_backup", result)


def test_create_reply_points_at_reveal_and_never_shows_the_password() -> None:
    result = CreatedResult(
        server="main", database="nextcloud", user="nextcloud", password="[[secret:3f9a]]",
        host="127.0.0.1", port=5432, reveal="jarvis databases reveal main nextcloud",
    )  # fmt: skip
    text = say("db.create_database", result, {"server": "main", "name": "nextcloud"})
    assert "Created database nextcloud on main" in text
    assert "`jarvis databases reveal main nextcloud`" in text
    assert "secret" not in text


def test_listing_servers_databases_and_backups() -> None:
    servers = ServersResult(
        servers=[ServerRow(name="main", engine="postgresql", address="127.0.0.1", port=5432,
                           username="postgres", container=None)]
    )  # fmt: skip
    dbs = DatabasesResult(
        server="main", databases=[DatabaseInfo(name="n8n", size_bytes=12 * 2**20, owner="n8n")]
    )
    backups = BackupsResult(server="main", database="n8n", backups=[row()])
    text = render_reply(
        [
            (PlannedCall(tool="db.list_servers"), r.outcome("db.list_servers", data=servers)),
            (
                PlannedCall(tool="db.list_databases", args={"server": "main"}),
                r.outcome("db.list_databases", data=dbs),
            ),
            (
                PlannedCall(tool="db.list_backups", args={"server": "main", "database": "n8n"}),
                r.outcome("db.list_backups", data=backups),
            ),
        ]
    )
    assert "Database servers: main (PostgreSQL at 127.0.0.1:5432)." in text
    assert "main has 1 database: n8n (12.0 MiB)." in text
    assert "Backups of n8n on main: 1, newest first: 0f3c2a1b from 2026-12-06 03:30 UTC" in text
    assert "5000 rows, verified" in text


def test_empty_lists_say_what_to_do() -> None:
    empty = say("db.list_servers", ServersResult(servers=[]), status="no_data")
    assert "jarvis databases add-server" in empty
    none = say(
        "db.list_backups",
        BackupsResult(server="main", database="n8n", backups=[]),
        {"server": "main", "database": "n8n"},
        status="no_data",
    )
    assert none == "There are no backups of n8n on main yet."
    hosts = say("hosts.list", ListHostsResult(hosts=[]), status="no_data")
    assert "jarvis hosts add" in hosts


def test_hosts_reply_names_user_address_and_last_seen() -> None:
    seen = datetime.now(UTC) - timedelta(minutes=5)
    result = ListHostsResult(
        hosts=[HostRow(name="nas", username="evin", address="10.0.0.5", port=22,
                       host_key_type="ssh-ed25519", fingerprint="SHA256:abc", created_at=AT,
                       last_seen_at=seen)]
    )  # fmt: skip
    text = say("hosts.list", result)
    assert text.startswith("Other hosts: nas (evin@10.0.0.5:22, last seen 5")


def test_remote_disks_say_which_host_and_calls_are_described() -> None:
    assert say("system.disks", r.disks(), {"host": "nas"}).startswith("Disks on nas:")
    assert say("system.disks", r.disks()).startswith("Disks:")
    assert describe(PlannedCall(tool="system.disks", args={"host": "nas"})) == (
        "reading the disks of nas"
    )
    call = PlannedCall(tool="db.restore", args={"backup": ID, "database": "bot"})
    assert describe(call) == "restoring backup 0f3c2a1b into bot"
    waiting = render_one(call, {"status": "approval_required", "approval_id": "a1", "reason": "x"})
    assert waiting.startswith("Restoring backup 0f3c2a1b into bot needs your approval")
