"""Database and other-host requests: which server, database and backup they resolve to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agent.router import Calls, Clarify, Inventory, answer, db_targets, route
from agent.router.db_targets import pick_backup, window
from agent.router.types import BackupRef, DbRef, DbServerRef
from tests.agent.router.conftest import HOMELAB, pairs, validate
from tools.db import names

NOW = datetime.now(UTC)
MIDNIGHT = NOW.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
NIGHT = "cccccccc-0000-4000-8000-000000000001"  # 03:00 today (last night)
EVENING = "cccccccc-0000-4000-8000-000000000002"  # 22:00 yesterday (last night too, older)
OLD = "cccccccc-0000-4000-8000-000000000003"  # two days ago
N8N = "aaaaaaaa-0000-4000-8000-000000000001"  # yesterday 12:00


def backup(id_: str, at: datetime, status: str = "done") -> BackupRef:
    return BackupRef(id=id_, created_at=at, status=status, verified="passed")


def estate(*servers: tuple[str, str], hosts: tuple[str, ...] = ("nas",)) -> Inventory:
    """The homelab's containers with database servers, known databases and other hosts."""
    return HOMELAB.model_copy(
        update={
            "hosts": list(hosts),
            "db_servers": [DbServerRef(name=n, engine=e) for n, e in servers],
            "databases": [
                DbRef(
                    server="main",
                    name="stream_bot",
                    backups=[
                        backup("cccccccc-0000-4000-8000-00000000000f", NOW, status="failed"),
                        backup(NIGHT, MIDNIGHT + timedelta(hours=3)),
                        backup(EVENING, MIDNIGHT - timedelta(hours=2)),
                        backup(OLD, MIDNIGHT - timedelta(days=2)),
                    ],
                ),
                DbRef(
                    server="main", name="n8n", backups=[backup(N8N, MIDNIGHT - timedelta(hours=12))]
                ),
                DbRef(server="main", name="wiki"),  # made by Jarvis, never backed up
            ],
        }
    )


ONE_PG = estate(("main", "postgresql"), ("cache", "redis"))
TWO_PG = estate(("main", "postgresql"), ("spare", "postgresql"), ("maria", "mariadb"))
NO_PG = estate(("maria", "mariadb"))

Pairs = list[tuple[str, dict[str, Any]]]


def create(name: str) -> Pairs:
    return [("db.create_database", {"server": "main", "name": name})]


def backs_up(name: str) -> Pairs:
    return [("db.backup", {"server": "main", "database": name})]


def restores(backup_id: str, name: str) -> Pairs:
    return [("db.restore", {"backup": backup_id, "database": name})]


PHRASES: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = [
    ("create a database for nextcloud", create("nextcloud")),
    ("Create a database for Nextcloud please", create("nextcloud")),
    ("make a new postgres database for immich", create("immich")),
    ("create the paperless database", create("paperless")),
    ("new database called vault_warden", create("vault_warden")),
    ("back up the n8n database", backs_up("n8n")),
    ("Back up the n8n database.", backs_up("n8n")),
    ("backup the bot db", backs_up("stream_bot")),
    ("take a backup of the wiki database", backs_up("wiki")),
    ("restore the bot database from last night", restores(NIGHT, "stream_bot")),
    ("restore the stream bot database from last night's backup",
     restores(NIGHT, "stream_bot")),
    ("restore the bot database", restores(NIGHT, "stream_bot")),
    ("the stream bot data is gone, restore the bot database from last night",
     restores(NIGHT, "stream_bot")),
    ("the stream bot's data is gone, restore yesterday's", restores(EVENING, "stream_bot")),
    ("the n8n database is broken, restore it from the latest backup", restores(N8N, "n8n")),
    ("restore the n8n database from yesterday", restores(N8N, "n8n")),
    ("verify the latest backup of the bot database", [("db.verify_backup", {"backup": NIGHT})]),
    ("show backups of the n8n database",
     [("db.list_backups", {"server": "main", "database": "n8n"})]),
    ("disk space on the nas", [("system.disks", {"host": "nas"})]),
    ("how much disk space is left on the nas", [("system.disks", {"host": "nas"})]),
    ("how full is the nas", [("system.disks", {"host": "nas"})]),
    ("memory usage on the nas", [("system.memory", {"host": "nas"})]),
    ("show containers on the nas", [("docker.list_containers", {"host": "nas"})]),
    ("show hosts", [("hosts.list", {})]),
    ("list the other machines", [("hosts.list", {})]),
    ("list databases", [
        ("db.list_servers", {}),
        ("db.list_databases", {"server": "main"}),
        ("db.server_info", {"server": "cache"}),
        ("db.list_backups", {"server": "main", "database": "stream_bot"}),
        ("db.list_backups", {"server": "main", "database": "n8n"}),
    ]),
    ("create a database for nextcloud and back up the n8n database", [
        ("db.create_database", {"server": "main", "name": "nextcloud"}),
        ("db.backup", {"server": "main", "database": "n8n"}),
    ]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), PHRASES)
def test_phrases_make_these_calls(text: str, expected: list[tuple[str, dict[str, Any]]]) -> None:
    routed = route(text, ONE_PG)
    assert isinstance(routed, Calls), routed
    validate(routed.calls)
    assert pairs(routed.calls) == expected


def test_a_host_word_that_names_no_registered_host_is_this_machine() -> None:
    routed = route("disk space on the nas", HOMELAB)
    assert isinstance(routed, Calls)
    assert all("host" not in c.args for c in routed.calls)
    other = route("disk space on the fileserver", ONE_PG)
    assert not isinstance(other, Calls) or all("host" not in c.args for c in other.calls)


def test_create_asks_which_postgres_server_when_there_are_several() -> None:
    asked = route("create a database for nextcloud", TWO_PG)
    assert isinstance(asked, Clarify)
    assert asked.options == ["main", "spare"]
    assert "main or spare" in asked.question
    again = route(answer("spare", asked, TWO_PG) or "", TWO_PG)
    assert isinstance(again, Calls)
    assert pairs(again.calls) == [("db.create_database", {"server": "spare", "name": "nextcloud"})]


def test_create_without_postgres_asks_before_using_another_engine() -> None:
    asked = route("create a database for nextcloud", NO_PG)
    assert isinstance(asked, Clarify)
    assert "No PostgreSQL server is registered" in asked.question
    again = route(answer("yes", asked, NO_PG) or "", NO_PG)
    assert isinstance(again, Calls)
    assert pairs(again.calls) == [("db.create_database", {"server": "maria", "name": "nextcloud"})]


def test_no_server_registered_says_how_to_add_one() -> None:
    asked = route("create a database for nextcloud", HOMELAB)
    assert isinstance(asked, Clarify)
    assert "jarvis databases add-server" in asked.question
    assert asked.retry is None


def test_a_restore_that_names_no_database_asks_which() -> None:
    asked = route("restore yesterday's backup", ONE_PG)
    assert isinstance(asked, Clarify)
    assert asked.question == "Which database should I restore: n8n or stream_bot?"
    again = route(answer("n8n", asked, ONE_PG) or "", ONE_PG)
    assert isinstance(again, Calls)
    assert pairs(again.calls) == [("db.restore", {"backup": N8N, "database": "n8n"})]


def test_redis_alone_holds_no_databases_to_create() -> None:
    only_redis = estate(("cache", "redis"))
    asked = route("create a database for nextcloud", only_redis)
    assert isinstance(asked, Clarify)
    assert asked.question.startswith("Only Redis is registered (cache)")


def test_an_unknown_server_is_not_guessed() -> None:
    asked = route("create a database for nextcloud on backup-box", ONE_PG)
    assert isinstance(asked, Clarify)
    assert "no database server called backup-box" in asked.question
    assert asked.options == ["main"]


def test_system_names_are_refused_before_any_call() -> None:
    asked = route("create a database for postgres", ONE_PG)
    assert isinstance(asked, Clarify)
    assert "cannot be a database name" in asked.question


def test_restore_of_an_unknown_database_names_those_with_backups() -> None:
    asked = route("restore the photos database from last night", ONE_PG)
    assert isinstance(asked, Clarify)
    assert "no backup of a database called 'photos'" in asked.question
    assert asked.options == ["n8n", "stream_bot"]
    again = route(answer("n8n", asked, ONE_PG) or "", ONE_PG)
    assert isinstance(again, Clarify)  # n8n has no backup from last night
    assert "There is no backup of n8n from last night; the newest is from" in again.question
    final = route(answer("yes", again, ONE_PG) or "", ONE_PG)
    assert isinstance(final, Calls)
    assert pairs(final.calls) == restores(N8N, "n8n")


def test_a_name_two_databases_share_asks_which() -> None:
    inv = ONE_PG.model_copy(
        update={
            "databases": [
                *ONE_PG.databases,
                DbRef(server="main", name="chat_bot", backups=[backup(OLD, NOW)]),
            ]
        }
    )
    asked = route("back up the bot database", inv)
    assert isinstance(asked, Clarify)
    assert asked.options == ["chat_bot", "stream_bot"]
    again = route(answer("chat bot", asked, inv) or "", inv)
    assert isinstance(again, Calls)
    assert pairs(again.calls) == backs_up("chat_bot")


def test_last_night_is_the_newest_backup_of_the_night_before() -> None:
    span = window("night", NOW)
    assert span is not None and window("latest", NOW) is None
    start, end = span
    assert end - start == timedelta(hours=14)
    assert start.hour == 18 and end.hour == 8
    bot = ONE_PG.databases[0]
    chosen = pick_backup(bot, "night", NOW)
    assert chosen is not None and chosen.id == NIGHT  # the failed one of just now is skipped
    latest = pick_backup(bot, "latest", NOW)
    assert latest is not None and latest.id == NIGHT
    two_days_on = pick_backup(bot, "night", NOW + timedelta(days=2))
    assert two_days_on is None


def test_the_routers_name_rules_are_the_tools() -> None:
    assert db_targets.IDENT_RE.pattern == names.IDENT_PATTERN
    assert db_targets.SYSTEM_DATABASES == names.SYSTEM_DATABASES
    assert db_targets.SCRATCH_PREFIX == names.SCRATCH_PREFIX
