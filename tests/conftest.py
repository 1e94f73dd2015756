"""Fixtures shared by every test: settings in a temporary data dir, tool deps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from core.settings import Settings
from memory.db import Database
from memory.models import utcnow
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import Gate
from policies.rules import Rule, load_rules
from tools.catalog import build_registry
from tools.deps import ToolDeps
from tools.docker.client import connect

TEST_SALT = b"per-installation-test-salt"

pytest_plugins = [
    "tests.testbed.docker_fixtures",
    "tests.testbed.db_fixtures",
    "tests.testbed.db_images",
    "tests.testbed.fake_openai",
    "tests.testbed.fake_zoneedit",
    "tests.testbed.fake_cloudflare",
    "tests.testbed.fake_homeassistant",
    "tests.testbed.fake_plex",
    "tests.testbed.fake_n8n",
    "tests.testbed.fake_sunshine",
    "tests.testbed.fake_google",
    "tests.testbed.integration_gate",
    "tests.testbed.knot",
    "tests.testbed.caddy_pebble",
    "tests.testbed.receiver",
    "tests.testbed.speech",
    "tests.testbed.ssh_hosts",
    "tests.testbed.stacks",
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a private data dir and the embedded SQLite database."""
    data = tmp_path / "data"
    data.mkdir()
    return Settings(data_dir=data)


@pytest.fixture
def tool_deps(settings: Settings, docker_host: str) -> Iterator[ToolDeps]:
    """Tool dependencies pointed at the test Docker Engine."""
    deps = ToolDeps(
        settings,
        environ={"DOCKER_HOST": docker_host},
        redaction_salt=TEST_SALT,
        docker_factory=connect,
    )
    yield deps
    deps.close()


@pytest.fixture
def policy_rules() -> list[Rule]:
    """The rules the `gate` fixture uses (defaults; override in a test module)."""
    return load_rules(None)


@pytest.fixture
def clock() -> MutableClock:
    """A clock tests can move forward."""
    return MutableClock()


@pytest.fixture
def gate(
    database: Database,
    tool_deps: ToolDeps,
    settings: Settings,
    policy_rules: list[Rule],
    clock: MutableClock,
) -> Gate:
    """The real gate over the real registry, database and Docker Engine."""
    return Gate(
        database,
        build_registry(),
        PolicyEngine(policy_rules, clock=clock),
        tool_deps,
        Vault(load_key(settings)),
        approval_ttl=timedelta(minutes=10),
        clock=clock,
    )


class MutableClock:
    """utcnow(), plus an offset a test can advance."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, **kw: float) -> None:
        """Move time forward."""
        self.offset += timedelta(**kw)
