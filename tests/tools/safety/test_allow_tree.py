"""The allow-tree: the default tree's commands, path values under the roots, trees as data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.testbed.services import missing_service
from tools.safety.allow_tree import DEFAULT_ALLOW_TREE, AllowTree, load_allow_tree
from tools.safety.executor import CommandNotAllowed, SafeCommandExecutor


def test_default_tree_refuses_what_it_does_not_list(tmp_path: Path) -> None:
    executor = SafeCommandExecutor(timeout=5, output_cap=1000, path_roots=[tmp_path])
    refused = {
        "rm": ["rm", "-rf", "/"],
        "sh": ["sh", "-c", "echo hi"],
        "run": ["caddy", "run"],
        "up": ["docker", "compose", "up"],
        "--force": ["caddy", "validate", "--force"],
        "/etc/caddy/Caddyfile": ["caddy", "validate", "--config", "/etc/caddy/Caddyfile"],
        "stop": ["systemctl", "stop", "caddy"],
        "--now": ["systemctl", "status", "--now"],
        "docker compose": ["docker", "compose"],
    }
    for first, argv in refused.items():
        with pytest.raises(CommandNotAllowed) as info:
            executor.check(argv)
        assert repr(first) in info.value.message, (argv, info.value.message)


def test_default_tree_allows_its_commands(tmp_path: Path) -> None:
    executor = SafeCommandExecutor(timeout=5, output_cap=1000, path_roots=[tmp_path])
    conf = str(tmp_path / "Caddyfile")
    allowed = [
        ["caddy", "validate", "--adapter", "caddyfile", "--config", conf],
        ["caddy", "adapt", f"--config={conf}", "--pretty"],
        ["docker", "compose", "-f", str(tmp_path / "compose.yaml"), "config", "-q"],
        ["docker", "compose", "ps", "--format", "json"],
        ["systemctl", "status", "--no-pager", "caddy.service", "docker"],
        ["systemctl", "is-active", "caddy"],
    ]
    for argv in allowed:
        if executor.resolve_program(argv[0]) is None:
            continue  # not installed here: check() says NotFound, covered below
        assert executor.check(argv)[1:] == argv[1:]


def test_path_values_must_stay_under_the_roots(tmp_path: Path) -> None:
    if shutil.which("caddy") is None:
        missing_service("caddy", "apt-get install caddy")
    executor = SafeCommandExecutor(timeout=5, output_cap=1000, path_roots=[tmp_path / "root"])
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "link").symlink_to(tmp_path)
    for value in ["../x", str(tmp_path / "root" / ".." / "x"), str(tmp_path / "root/link/x")]:
        with pytest.raises(CommandNotAllowed):
            executor.check(["caddy", "validate", "--config", value])


def test_allow_tree_is_data() -> None:
    tree = load_allow_tree("programs:\n  /bin/true: {}\n")
    assert set(tree.programs) == {"/bin/true"}
    assert AllowTree.model_validate(DEFAULT_ALLOW_TREE.model_dump()) == DEFAULT_ALLOW_TREE
    with pytest.raises(ValueError):
        AllowTree.model_validate({"programs": {"x": {"bogus": 1}}})
    assert "sh" not in DEFAULT_ALLOW_TREE.programs and "bash" not in DEFAULT_ALLOW_TREE.programs
