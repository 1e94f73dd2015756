"""Config edits through the gate: diff in the approval, validated, backed up, rolled back."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from core.errors import BadInput
from core.settings import Settings
from policies.gate import CallContext, Gate

USER = CallContext(actor="user:evin")
OLD = b"services:\n  plex:\n    image: plexinc/pms-docker\n    restart: unless-stopped\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "contain"
    folder.mkdir()
    return folder


@pytest.fixture
def settings(tmp_path: Path, root: Path) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    return Settings(data_dir=data, config_edit_roots=[root])


async def ask_and_approve(gate: Gate, args: dict[str, object]) -> tuple[str | None, dict]:
    outcome = await gate.invoke(USER, "files.write_config", args)
    assert outcome.status == "approval_required" and outcome.approval_id
    pending = await gate.approvals.get(outcome.approval_id)
    view = await gate.decide(outcome.approval_id, approve=True, by="user:evin")
    assert view.result is not None
    return pending.diff, {**view.result, "status": view.status}


async def test_read_then_write_shows_diff_and_keeps_backup(gate: Gate, root: Path) -> None:
    target = root / "config.yaml"
    target.write_bytes(OLD)
    read = await gate.invoke(USER, "files.read_config", {"path": str(target)})
    assert (
        read.status == "ok" and read.data and read.data["sha256"] == hashlib.sha256(OLD).hexdigest()
    )
    new = OLD.decode().replace("unless-stopped", "always")
    diff, result = await ask_and_approve(
        gate,
        {
            "path": str(target),
            "content": new,
            "expected_sha256": read.data["sha256"],
        },
    )
    assert diff and "-    restart: unless-stopped" in diff and "+    restart: always" in diff
    assert result["status"] == "executed", result
    assert target.read_text() == new
    backup = Path(result["data"]["backup"])
    assert backup.read_bytes() == OLD


async def test_invalid_yaml_changes_nothing(gate: Gate, root: Path) -> None:
    target = root / "config.yaml"
    target.write_bytes(OLD)
    _, result = await ask_and_approve(gate, {"path": str(target), "content": "services: [plex\n"})
    assert result["status"] == "failed" and "yaml" in result["message"].lower()
    assert target.read_bytes() == OLD
    reread = await gate.invoke(USER, "files.read_config", {"path": str(target)})
    assert reread.data and reread.data["backups"] == []


async def test_failed_health_check_rolls_back_byte_for_byte(gate: Gate, root: Path) -> None:
    target = root / "config.yaml"
    target.write_bytes(OLD)
    _, result = await ask_and_approve(
        gate,
        {
            "path": str(target),
            "content": "services: {}\n",
            "health_url": "http://127.0.0.1:9/health",
            "health_timeout_s": 2,
        },
    )
    assert result["status"] == "failed" and "rolled back" in result["message"]
    assert target.read_bytes() == OLD


async def test_changed_since_read_is_a_conflict(gate: Gate, root: Path) -> None:
    target = root / "config.yaml"
    target.write_bytes(OLD)
    _, result = await ask_and_approve(
        gate,
        {
            "path": str(target),
            "content": "a: 1\n",
            "expected_sha256": "0" * 64,
        },
    )
    assert result["status"] == "failed" and target.read_bytes() == OLD


async def test_restore_puts_a_backup_back(gate: Gate, root: Path) -> None:
    target = root / "config.json"
    target.write_text('{"a": 1}\n')
    _, result = await ask_and_approve(gate, {"path": str(target), "content": '{"a": 2}\n'})
    backup = result["data"]["backup"]
    outcome = await gate.invoke(
        USER, "files.restore_config", {"path": str(target), "backup": backup}
    )
    assert outcome.approval_id
    view = await gate.decide(outcome.approval_id, approve=True, by="user:evin")
    assert view.status == "executed" and target.read_text() == '{"a": 1}\n'


async def test_path_outside_the_roots_is_refused_before_asking(gate: Gate, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("a: 1\n")
    with pytest.raises(BadInput, match="not inside a folder"):
        await gate.invoke(USER, "files.write_config", {"path": str(outside), "content": "a: 2\n"})
    assert outside.read_text() == "a: 1\n"
    assert await gate.approvals.list() == []


async def test_policy_sees_the_real_path(gate: Gate, root: Path) -> None:
    (root / "a").mkdir()
    (root / "b").mkdir()
    target = root / "b" / "x.yaml"
    target.write_text("a: 1\n")
    sneaky = f"{root}/a/../b/x.yaml"
    out = await gate.invoke(USER, "files.write_config", {"path": sneaky, "content": "a: 2\n"})
    assert out.invocation.resource == f"file:{target}"
    (root / "a" / "link.yaml").symlink_to(target)
    out = await gate.invoke(USER, "files.read_config", {"path": str(root / "a" / "link.yaml")})
    assert out.invocation.resource == f"file:{target}"


async def test_approval_applies_only_to_the_file_it_previewed(gate: Gate, root: Path) -> None:
    target = root / "config.yaml"
    target.write_bytes(OLD)
    outcome = await gate.invoke(
        USER, "files.write_config", {"path": str(target), "content": "a: 1\n"}
    )
    assert outcome.approval_id
    target.write_text("changed: by hand\n")  # between the question and the answer
    view = await gate.decide(outcome.approval_id, approve=True, by="user:evin")
    assert view.status == "failed" and target.read_text() == "changed: by hand\n"


async def test_restore_refuses_files_that_are_not_backups(gate: Gate, root: Path) -> None:
    target = root / "config.yaml"
    target.write_bytes(OLD)
    with pytest.raises(BadInput, match="not a backup"):
        await gate.invoke(
            USER, "files.restore_config", {"path": str(target), "backup": "/etc/os-release"}
        )
    assert await gate.approvals.list() == []


async def test_secrets_in_diffs_use_this_installations_placeholders(gate: Gate, root: Path) -> None:
    from core.redaction import placeholder_for

    target = root / "db.yaml"
    target.write_text("db:\n  password: hunter2hunter2\n")
    outcome = await gate.invoke(
        USER,
        "files.write_config",
        {"path": str(target), "content": "db:\n  password: s3cond-pass\n"},
    )
    assert outcome.approval_id
    diff = (await gate.approvals.get(outcome.approval_id)).diff or ""
    assert "hunter2hunter2" not in diff and "s3cond-pass" not in diff
    assert placeholder_for("hunter2hunter2") not in diff  # not the public default salt
    async with gate.db.session() as session:
        placeholders = {p for p in diff.split() if p.startswith("[[secret:")}
        assert set((await gate.vault.resolve(session, placeholders)).values()) >= {"hunter2hunter2"}
    view = await gate.decide(outcome.approval_id, approve=True, by="user:evin")
    assert view.status == "executed" and target.read_text() == "db:\n  password: s3cond-pass\n"


async def test_odd_paths_are_bad_input_not_crashes(gate: Gate, root: Path) -> None:
    (root / "loop").symlink_to(root / "loop")
    for path in (f"{root}/a\u0000b", f"{root}/loop"):
        with pytest.raises(BadInput):
            await gate.invoke(USER, "files.read_config", {"path": path})


async def test_a_secret_cannot_be_smuggled_through_a_normalised_path(
    gate: Gate, root: Path, make_container: Any
) -> None:
    seen = await gate.invoke(USER, "files.read_config", {"path": f"{root}/x.yaml"})
    assert seen.status == "ok"
    box = make_container()
    known = await gate.invoke(
        USER, "docker.container_logs", {"name": box.name, "grep": "token=sub//hunter2hunter2"}
    )
    placeholder = known.invocation.args["grep"].split("=", 1)[1]
    with pytest.raises(BadInput) as err:
        await gate.invoke(USER, "files.read_config", {"path": f"{root}/{placeholder}"})
    assert "hunter2hunter2" not in err.value.message
