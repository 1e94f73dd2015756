"""The nightly off-site copy through the real gate to the local Google stand-in."""

from __future__ import annotations

import hashlib
from pathlib import Path

from agent.background.offsite import copy_offsite, summarize
from memory import databases
from memory.databases import BackupView
from policies.engine import PolicyEngine
from policies.rules import load_rules
from tests.conftest import TEST_SALT
from tests.testbed.fake_google import FakeGoogle
from tests.testbed.integration_gate import IntegrationsGate
from tests.tools.google.conftest import fields

ALLOW_OFFSITE = """\
version: 1
rules:
  - id: autonomous-offsite
    effect: allow
    tools: [google.upload_backup]
    actors: ["agent:autonomous"]
"""


async def backup(
    gate: IntegrationsGate, folder: Path, database: str, *, verified: bool
) -> BackupView:
    record = await databases.create_backup(
        gate.db, server="pg", database=database, engine="postgresql", kind="scheduled"
    )
    content = f"PGDMP {database} {record.id}".encode()
    path = folder / f"{record.id[:8]}.dump"
    path.write_bytes(content)
    await databases.finish_backup(
        gate.db,
        record.id,
        path=str(path),
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        tables={},
    )
    return await databases.mark_verified(gate.db, record.id, passed=verified, detail={})


async def test_nothing_happens_without_a_drive_folder(
    integrations_gate: IntegrationsGate, fake_google: FakeGoogle
) -> None:
    given = {k: v for k, v in fields(fake_google).items() if k != "drive_folder"}
    await integrations_gate.add("google", fake_google.url, given)
    results, targets = await copy_offsite(
        integrations_gate.gate, integrations_gate.db, integrations_gate.access, "run-1"
    )
    assert (results, targets) == ([], [])
    assert (
        summarize(results, targets)[0] == "no Google integration with a Drive folder is configured"
    )


async def test_the_newest_verified_backup_of_each_database_is_copied_once(
    integrations_gate: IntegrationsGate, fake_google: FakeGoogle, tmp_path: Path
) -> None:
    gate = integrations_gate
    await databases.add_server(
        gate.db, gate.access.vault, TEST_SALT, name="pg", engine="postgresql",
        address="127.0.0.1", port=5432, username="postgres", password=None,
    )  # fmt: skip
    await gate.add("google", fake_google.url, fields(fake_google))
    old = await backup(gate, tmp_path, "nextcloud", verified=True)
    newest = await backup(gate, tmp_path, "nextcloud", verified=True)
    await backup(gate, tmp_path, "n8n", verified=False)  # never verified: not sent off-site
    bot = await backup(gate, tmp_path, "bot", verified=True)

    # Default policy: sending data off-site in the background waits for a person.
    results, targets = await copy_offsite(gate.gate, gate.db, gate.access, "run-1")
    assert targets == ["google"]
    assert {(r.database, r.status) for r in results} == {
        ("nextcloud", "approval_required"),
        ("bot", "approval_required"),
    }
    assert fake_google.files == {}

    # A person approves one: it is copied. The next night nothing is asked or sent twice.
    waiting = {r.database: r.approval_id for r in results}
    approval = await gate.gate.decide(str(waiting["nextcloud"]), approve=True, by="user:evin")
    assert approval.status == "executed", approval
    [copied] = fake_google.files.values()
    assert copied.name == f"pg-nextcloud-{Path(str(newest.path)).name}"
    assert old.id[:8] not in copied.name
    uploads = len(fake_google.paths("POST"))
    again, _ = await copy_offsite(gate.gate, gate.db, gate.access, "run-2")
    assert {(r.database, r.status, r.approval_id) for r in again} == {
        ("nextcloud", "copied", waiting["nextcloud"]),
        ("bot", "approval_required", waiting["bot"]),
    }
    assert len(fake_google.paths("POST")) == uploads and len(fake_google.files) == 1

    # With a rule letting the background agent copy off-site, a new backup goes unasked.
    user_rules = tmp_path / "policy.yaml"
    user_rules.write_text(ALLOW_OFFSITE)
    gate.gate.engine = PolicyEngine(load_rules(user_rules))
    bot2 = await backup(gate, tmp_path, "bot", verified=True)
    third, _ = await copy_offsite(gate.gate, gate.db, gate.access, "run-3")
    assert {(r.database, r.backup, r.status) for r in third} == {
        ("nextcloud", newest.id, "copied"),
        ("bot", bot2.id, "copied"),
    }
    assert bot.id not in {r.backup for r in third}
    assert len(fake_google.files) == 2
    text, failed = summarize(third, ["google"])
    assert text == "2 backup(s) copied to Drive, 0 already there, 0 failed" and not failed


async def test_a_failed_copy_is_reported(
    integrations_gate: IntegrationsGate, fake_google: FakeGoogle, tmp_path: Path
) -> None:
    gate = integrations_gate
    await databases.add_server(
        gate.db, gate.access.vault, TEST_SALT, name="pg", engine="postgresql",
        address="127.0.0.1", port=5432, username="postgres", password=None,
    )  # fmt: skip
    await gate.add("google", fake_google.url, fields(fake_google, drive_folder="gone"))
    await backup(gate, tmp_path, "nextcloud", verified=True)
    user_rules = tmp_path / "policy.yaml"
    user_rules.write_text(ALLOW_OFFSITE)
    gate.gate.engine = PolicyEngine(load_rules(user_rules))
    results, targets = await copy_offsite(gate.gate, gate.db, gate.access, "run-1")
    [result] = results
    assert result.status == "failed" and "File not found: gone" in (result.message or "")
    text, failed = summarize(results, targets)
    assert failed and text.startswith("0 backup(s) copied to Drive, 0 already there, 1 failed")
