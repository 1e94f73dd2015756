"""Validators: chosen by file name, custom commands, docker compose when it is installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.errors import BadInput, ChangeFailed
from tools.safety.config_edit import ConfigEditor
from tools.safety.executor import SafeCommandExecutor
from tools.safety.validators import CommandValidator, TextValidator, default_validator

PY = sys.executable


async def test_unknown_file_type_needs_an_explicit_validator(
    editor: ConfigEditor, root: Path
) -> None:
    target = root / "app.env"
    target.write_text("A=1\n")
    with pytest.raises(BadInput):
        await editor.apply(target, "A=2\n")
    await editor.apply(target, "A=2\n", validator=TextValidator())
    assert target.read_text() == "A=2\n"


async def test_custom_command_validator(editor: ConfigEditor, root: Path) -> None:
    target = root / "limits.conf"
    target.write_text("10\n")
    code = "import sys; n = int(open(sys.argv[1]).read()); sys.exit(0 if n < 100 else 2)"
    check = CommandValidator(editor.executor, [PY, "-c", code, "{path}"], name="limit check")
    with pytest.raises(ChangeFailed) as info:
        await editor.apply(target, "500\n", validator=check)
    assert "limit check" in info.value.message
    assert target.read_text() == "10\n"
    await editor.apply(target, "50\n", validator=check)
    assert target.read_text() == "50\n"


def test_default_validators_by_name(editor: ConfigEditor, root: Path) -> None:
    names = {
        "compose.yaml": "docker compose config",
        "docker-compose.yml": "docker compose config",
        "docker-compose.override.yml": "docker compose config",
        "Caddyfile": "caddy validate",
        "site.caddy": "caddy validate",
        "x.yml": "YAML syntax",
        "x.json": "JSON syntax",
        "pyproject.toml": "TOML syntax",
    }
    for name, expected in names.items():
        assert default_validator(root / name, editor.executor).name == expected


async def test_compose_schema_is_checked_when_docker_compose_exists(
    root: Path, backups: Path
) -> None:
    editor = ConfigEditor([root], SafeCommandExecutor(30, 64_000), backups)  # the default tree
    target = root / "compose.yaml"
    target.write_text("services:\n  web:\n    image: nginx\n")
    probe = await SafeCommandExecutor(10, 10_000).run(["docker", "compose", "version"])
    if not probe.ok:
        result = await editor.apply(target, "services:\n  web:\n    image: nginx:1.27\n")
        assert "only the YAML syntax was checked" in result.message
        pytest.skip("docker compose is not installed: the YAML-only path was tested instead")
    with pytest.raises(ChangeFailed):
        await editor.apply(target, "services:\n  web:\n    imagez: nginx\n")
    assert "imagez" not in target.read_text()
