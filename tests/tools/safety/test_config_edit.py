"""ConfigEditor: real files, real validators, backups and byte-for-byte rollback."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import sys
from pathlib import Path

import pytest

from core.errors import BadInput, ChangeFailed, Conflict
from tests.testbed.services import missing_service
from tools.safety.config_edit import ConfigChangeFailed, ConfigEditor, PathNotAllowed
from tools.safety.executor import CommandNotAllowed
from tools.safety.validators import TextValidator, ValidatorUnavailable

PY = sys.executable
OLD_YAML = b"# keep this comment\r\nservices:\n  web:\n    image: nginx:1.25   \n"
NEW_YAML = "services:\n  web:\n    image: nginx:1.27\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _all_backups(backups: Path) -> list[Path]:
    return [p for p in backups.rglob("*") if p.is_file()] if backups.exists() else []


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if "jarvis-tmp" in p.name]


def _backup_folder(backups: Path, target: Path) -> Path:
    return backups.joinpath(*target.parent.parts[1:])


async def test_good_yaml_edit_is_applied_with_an_exact_backup(
    editor: ConfigEditor, root: Path
) -> None:
    target = root / "app.yaml"
    target.write_bytes(OLD_YAML)
    target.chmod(0o640)
    preview = editor.preview(target, NEW_YAML)
    assert preview.exists and preview.changed
    assert preview.old_sha256 == _sha(OLD_YAML)

    result = await editor.apply(target, NEW_YAML, expected_sha256=preview.old_sha256)

    assert target.read_bytes() == NEW_YAML.encode()
    assert result.validated and not result.rolled_back
    assert result.backup is not None
    assert Path(result.backup).read_bytes() == OLD_YAML  # CRLF and trailing spaces kept
    assert Path(result.backup).name.startswith("app.yaml.") and result.backup.endswith(".bak")
    assert editor.list_backups(target) == [Path(result.backup)]
    assert target.stat().st_mode & 0o777 == 0o640
    assert _leftovers(root) == []
    assert "+    image: nginx:1.27" in result.diff


def test_preview_shows_the_changed_lines(editor: ConfigEditor, root: Path) -> None:
    target = root / "app.yaml"
    target.write_bytes(OLD_YAML)
    preview = editor.preview(target, NEW_YAML)
    assert "-    image: nginx:1.25   " in preview.diff
    assert "+    image: nginx:1.27" in preview.diff
    assert "-# keep this comment" in preview.diff
    assert preview.new_sha256 == _sha(NEW_YAML.encode())
    assert target.read_bytes() == OLD_YAML  # previews never write


def test_preview_redacts_secrets(editor: ConfigEditor, root: Path) -> None:
    target = root / "app.yaml"
    target.write_text("env:\n  - POSTGRES_PASSWORD=old-secret-1\n")
    diff = editor.preview(target, "env:\n  - POSTGRES_PASSWORD=new-secret-2\n").diff
    assert "old-secret-1" not in diff and "new-secret-2" not in diff
    assert "[[secret:" in diff


@pytest.mark.parametrize(
    ("name", "old", "bad"),
    [
        ("app.yaml", "a: 1\n", "a: [1, 2\nb: : :\n"),
        ("app.json", '{"a": 1}\n', '{"a": 1,,}\n'),
        ("app.toml", "a = 1\n", "a = = 1\n[\n"),
        ("compose.yaml", "services: {}\n", "services:\n  web: [\n"),
    ],
)
async def test_invalid_syntax_is_refused_and_nothing_changes(
    editor: ConfigEditor, root: Path, backups: Path, name: str, old: str, bad: str
) -> None:
    target = root / name
    target.write_text(old)
    before = target.read_bytes()
    with pytest.raises(ChangeFailed) as info:
        await editor.apply(target, bad)
    assert "nothing was changed" in info.value.message
    assert target.read_bytes() == before
    assert _all_backups(backups) == []  # backups are only written after validation passes
    assert _leftovers(root) == []
    assert isinstance(info.value, ConfigChangeFailed)
    assert not info.value.result.validated and not info.value.result.rolled_back


async def _fail() -> bool:
    return False


async def _boom() -> None:
    raise RuntimeError("reload refused")


@pytest.mark.parametrize(
    ("kind", "step", "says"),
    [
        ("apply", _boom, "apply step failed: reload refused"),
        ("apply", [PY, "-c", "import sys; sys.exit(4)"], "exited with code 4"),
        ("health_check", _fail, "health check reported failure"),
        ("health_check", [PY, "-c", "import sys; sys.exit(1)"], "health check exited"),
    ],
)
async def test_failed_apply_or_health_check_rolls_back_byte_for_byte(
    editor: ConfigEditor, root: Path, kind: str, step: object, says: str
) -> None:
    target = root / "app.yaml"
    target.write_bytes(OLD_YAML)
    with pytest.raises(ChangeFailed) as info:
        await editor.apply(target, NEW_YAML, **{kind: step})  # type: ignore[arg-type]
    assert target.read_bytes() == OLD_YAML
    assert _sha(target.read_bytes()) == _sha(OLD_YAML)
    assert "rolled back" in info.value.message
    assert says in info.value.message
    result = info.value.result  # type: ignore[attr-defined]
    assert result.rolled_back and result.validated
    assert Path(result.backup).read_bytes() == OLD_YAML
    assert _leftovers(root) == []


async def test_rollback_re_applies_the_old_config(editor: ConfigEditor, root: Path) -> None:
    target = root / "app.yaml"
    target.write_bytes(OLD_YAML)
    live: list[bytes] = []

    async def apply() -> None:
        live.append(target.read_bytes())  # what the "service" loaded

    with pytest.raises(ChangeFailed) as info:
        await editor.apply(target, NEW_YAML, apply=apply, health_check=_fail)
    assert live == [NEW_YAML.encode(), OLD_YAML]
    assert "re-applied" in info.value.message
    assert info.value.result.applied and info.value.result.healthy is False  # type: ignore[attr-defined]


async def test_apply_and_health_check_that_pass(editor: ConfigEditor, root: Path) -> None:
    target = root / "app.yaml"
    target.write_bytes(OLD_YAML)
    ok = [PY, "-c", "print('ok')"]
    result = await editor.apply(target, NEW_YAML, apply=ok, health_check=ok)
    assert result.applied and result.healthy and not result.rolled_back
    assert target.read_bytes() == NEW_YAML.encode()


async def test_disallowed_step_is_refused_before_writing(
    editor: ConfigEditor, root: Path, backups: Path
) -> None:
    target = root / "app.yaml"
    target.write_bytes(OLD_YAML)
    with pytest.raises(CommandNotAllowed):
        await editor.apply(target, NEW_YAML, apply=["systemctl", "restart", "caddy"])
    with pytest.raises(BadInput):
        await editor.apply(target, NEW_YAML, health_check="curl -f localhost || true")
    assert target.read_bytes() == OLD_YAML
    assert _all_backups(backups) == []


async def test_path_outside_the_roots_is_refused(
    editor: ConfigEditor, root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    for path in [outside / "x.yaml", root / ".." / "outside" / "x.yaml", Path("rel/x.yaml")]:
        with pytest.raises((PathNotAllowed, BadInput)):
            await editor.apply(path, NEW_YAML)
        with pytest.raises((PathNotAllowed, BadInput)):
            editor.preview(path, NEW_YAML)
    assert list(outside.iterdir()) == []


async def test_symlink_escaping_the_root_is_refused(
    editor: ConfigEditor, root: Path, tmp_path: Path, backups: Path
) -> None:
    secret = tmp_path / "shadow.yaml"
    secret.write_bytes(b"a: 1\n")
    (root / "link.yaml").symlink_to(secret)
    (root / "dir").symlink_to(tmp_path)
    for path in [root / "link.yaml", root / "dir" / "shadow.yaml"]:
        with pytest.raises(PathNotAllowed) as info:
            await editor.apply(path, NEW_YAML)
        assert info.value.kind == "denied"
    assert secret.read_bytes() == b"a: 1\n"
    assert (root / "link.yaml").is_symlink()
    assert _all_backups(backups) == []
    assert _leftovers(root) == [] and _leftovers(tmp_path) == []


async def test_file_changed_since_preview_is_a_conflict(editor: ConfigEditor, root: Path) -> None:
    target = root / "app.yaml"
    target.write_bytes(OLD_YAML)
    preview = editor.preview(target, NEW_YAML)
    target.write_bytes(b"someone: else\n")
    with pytest.raises(Conflict):
        await editor.apply(target, NEW_YAML, expected_sha256=preview.old_sha256)
    assert target.read_bytes() == b"someone: else\n"


async def test_new_file_is_created_and_removed_on_rollback(
    editor: ConfigEditor, root: Path
) -> None:
    target = root / "new.json"
    with pytest.raises(ChangeFailed):
        await editor.apply(target, '{"a": 1}', health_check=_fail)
    assert not target.exists()
    result = await editor.apply(target, '{"a": 1}')
    assert result.backup is None and target.read_text() == '{"a": 1}'
    assert target.stat().st_mode & 0o777 == 0o644


async def test_restore_puts_a_backup_back(editor: ConfigEditor, root: Path, tmp_path: Path) -> None:
    target = root / "app.yaml"
    target.write_bytes(OLD_YAML)
    result = await editor.apply(target, NEW_YAML)
    assert result.backup is not None
    restored = editor.restore(target, result.backup)
    assert target.read_bytes() == OLD_YAML
    assert restored.backup is not None and Path(restored.backup).read_bytes() == NEW_YAML.encode()
    assert len(editor.list_backups(target)) == 2
    stray = tmp_path / "app.yaml.20260101T000000.000000Z.bak"
    stray.write_bytes(b"x: 1\n")
    with pytest.raises(PathNotAllowed):
        editor.restore(target, stray)


CADDY_OK = "example.com {\n\treverse_proxy localhost:8080\n}\n"
CADDY_BAD = "example.com {\n\treverse_proxy localhost:8080\n\tnot_a_directive on\n}\n"


async def test_caddyfile_validation_failure_leaves_the_old_file(
    editor: ConfigEditor, root: Path, backups: Path
) -> None:
    target = root / "Caddyfile"
    target.write_text(CADDY_OK)
    if shutil.which("caddy") is None:
        with pytest.raises(ValidatorUnavailable):
            await editor.apply(target, CADDY_BAD)
        assert target.read_text() == CADDY_OK
        missing_service("caddy", "apt-get install caddy")
    with pytest.raises(ChangeFailed) as info:
        await editor.apply(target, CADDY_BAD)
    assert "caddy validate" in info.value.message
    assert "not_a_directive" in info.value.message
    assert target.read_text() == CADDY_OK
    assert _all_backups(backups) == [] and _leftovers(root) == []
    # A valid edit passes caddy validate and is swapped in.
    good = CADDY_OK.replace("8080", "9090")
    result = await editor.apply(target, good)
    assert result.validated and target.read_text() == good


async def test_backups_of_a_longer_name_are_not_this_files(
    editor: ConfigEditor, root: Path
) -> None:
    target, local = root / "app.yaml", root / "app.yaml.local"
    target.write_bytes(OLD_YAML)
    local.write_bytes(b"local: 1\n")
    mine = (await editor.apply(target, NEW_YAML)).backup
    theirs = (await editor.apply(local, "local: 2\n", validator=TextValidator())).backup
    assert mine is not None and theirs is not None
    assert editor.list_backups(target) == [Path(mine)]
    assert editor.list_backups(local) == [Path(theirs)]
    with pytest.raises(PathNotAllowed):
        editor.backup_of(target, theirs)
    with pytest.raises(PathNotAllowed):
        editor.restore(target, theirs)
    assert target.read_bytes() == NEW_YAML.encode()


async def test_a_name_with_brackets_has_its_backups(editor: ConfigEditor, root: Path) -> None:
    target = root / "app[1].yaml"
    target.write_bytes(OLD_YAML)
    result = await editor.apply(target, NEW_YAML)
    assert result.backup is not None
    assert editor.list_backups(target) == [Path(result.backup)]
    assert editor.backup_of(target, result.backup) == Path(result.backup)


def test_backups_sort_by_time_then_attempt(editor: ConfigEditor, root: Path, backups: Path) -> None:
    target = root / "app.yaml"
    folder = _backup_folder(backups, target)
    folder.mkdir(parents=True)
    newest_first = [
        "app.yaml.20260102T000000.000000Z-10.bak",
        "app.yaml.20260102T000000.000000Z-2.bak",
        "app.yaml.20260102T000000.000000Z-1.bak",
        "app.yaml.20260102T000000.000000Z.bak",
        "app.yaml.20260101T000000.500000Z.bak",
        "app.yaml.20251231T235959Z.bak",
    ]
    strays = [
        "app.yaml.20260103T000000.000000Z.bak.tmp",
        "app.yaml.junk.bak",
        "app.yaml.20261399T000000.000000Z.bak",  # not a date
        ".app.yaml.0a1b2c.jarvis-tmp",
    ]
    for name in newest_first + strays:
        (folder / name).write_bytes(b"a: 1\n")
    assert [p.name for p in editor.list_backups(target)] == newest_first
    for name in strays:
        with pytest.raises(PathNotAllowed):
            editor.backup_of(target, folder / name)


async def test_a_failed_backup_write_leaves_nothing_behind(
    editor: ConfigEditor, root: Path, backups: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = root / "app.yaml"
    target.write_bytes(OLD_YAML)
    real_fsync = os.fsync

    def fsync(fd: int) -> None:  # the disk fills up while the backup is written
        if Path(os.readlink(f"/proc/self/fd/{fd}")).is_relative_to(backups):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(ChangeFailed) as info:
        await editor.apply(target, NEW_YAML)
    assert "backup" in info.value.message and "No space left" in info.value.message
    assert target.read_bytes() == OLD_YAML
    assert _all_backups(backups) == []  # no half-written backup, no temp file
    assert _leftovers(root) == []


async def test_an_owner_that_cannot_be_kept_refuses_the_edit(
    editor: ConfigEditor, root: Path, backups: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = root / "app.yaml"
    target.write_bytes(OLD_YAML)
    target.chmod(0o640)
    before = target.stat()

    def refuse(*args: object, **kwargs: object) -> None:  # not root: chown to others fails
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "chown", refuse)
    monkeypatch.setattr(os, "fchown", refuse)
    with pytest.raises(ChangeFailed) as info:
        await editor.apply(target, NEW_YAML)
    assert "owner" in info.value.message and "nothing was changed" in info.value.message
    after = target.stat()
    assert target.read_bytes() == OLD_YAML and after.st_ino == before.st_ino
    assert (after.st_mode, after.st_uid, after.st_gid) == (
        before.st_mode,
        before.st_uid,
        before.st_gid,
    )
    assert _all_backups(backups) == [] and _leftovers(root) == []


@pytest.mark.parametrize("mode", [0o640, 0o2750, 0o600])
async def test_mode_and_owner_are_kept_after_edit_and_rollback(
    editor: ConfigEditor, root: Path, mode: int
) -> None:
    target = root / "app.yaml"
    target.write_bytes(OLD_YAML)
    owner = (1234, 4321) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    if os.geteuid() == 0:
        os.chown(target, *owner)
    target.chmod(mode)

    def kept() -> tuple[int, int, int]:
        info = target.stat()
        return info.st_mode & 0o7777, info.st_uid, info.st_gid

    with pytest.raises(ChangeFailed):
        await editor.apply(target, NEW_YAML, health_check=_fail)
    assert target.read_bytes() == OLD_YAML and kept() == (mode, *owner)
    await editor.apply(target, NEW_YAML)
    assert target.read_bytes() == NEW_YAML.encode() and kept() == (mode, *owner)


@pytest.mark.parametrize("existed", [True, False])
async def test_rollback_stays_in_the_folder_even_if_it_is_swapped_for_a_symlink(
    editor: ConfigEditor, root: Path, tmp_path: Path, existed: bool
) -> None:
    folder, moved, other = root / "conf", root / "conf.moved", tmp_path / "other"
    folder.mkdir()
    other.mkdir()
    (other / "app.yaml").write_bytes(b"decoy: 1\n")
    target = folder / "app.yaml"
    if existed:
        target.write_bytes(OLD_YAML)

    async def swap_the_folder() -> bool:  # a slow health check, while an attacker acts
        folder.rename(moved)
        folder.symlink_to(other)
        return False

    with pytest.raises(ChangeFailed) as info:
        await editor.apply(target, NEW_YAML, health_check=swap_the_folder)
    assert info.value.result.rolled_back  # type: ignore[attr-defined]
    if existed:
        assert (moved / "app.yaml").read_bytes() == OLD_YAML
    else:
        assert not (moved / "app.yaml").exists()
    assert sorted(p.name for p in other.iterdir()) == ["app.yaml"]
    assert (other / "app.yaml").read_bytes() == b"decoy: 1\n"
    assert _leftovers(moved) == [] and _leftovers(other) == []
