"""Fixtures shared by the config-edit and validator tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tools.safety.allow_tree import AllowTree
from tools.safety.config_edit import ConfigEditor
from tools.safety.executor import SafeCommandExecutor

PY = sys.executable


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The one folder the editor may edit."""
    folder = tmp_path / "root"
    folder.mkdir()
    return folder


@pytest.fixture
def backups(tmp_path: Path) -> Path:
    """Where backups go (outside the root)."""
    return tmp_path / "backups"


@pytest.fixture
def editor(root: Path, backups: Path) -> ConfigEditor:
    """An editor over `root`, with a test tree that lets python -c be a step or a validator."""
    tree = AllowTree.model_validate(
        {
            "programs": {
                PY: {"flags": {"-c": {}}, "args": {}, "max_args": 3},
                "caddy": {
                    "subcommands": {
                        "validate": {
                            "flags": {"--config": {"kind": "path"}, "--adapter": {}},
                        }
                    }
                },
            }
        }
    )
    return ConfigEditor([root], SafeCommandExecutor(10, 64_000, tree), backups)
