"""Fixtures shared by every test: settings in a temporary data dir, tool deps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from tools.deps import ToolDeps

pytest_plugins = ["tests.testbed.docker_fixtures", "tests.testbed.db_fixtures"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a private data dir and the embedded SQLite database."""
    data = tmp_path / "data"
    data.mkdir()
    return Settings(data_dir=data)


@pytest.fixture
def tool_deps(settings: Settings, docker_host: str) -> Iterator[ToolDeps]:
    """Tool dependencies pointed at the test Docker Engine."""
    deps = ToolDeps(settings, environ={"DOCKER_HOST": docker_host})
    yield deps
    deps.close()
