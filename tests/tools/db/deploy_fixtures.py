"""Fixtures and helpers of the db.deploy_server tests: local images, labelled test objects,
Jarvis's store on SQLite, a server name cleaned up whatever happened."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from core.db_settings import DatabasesSettings
from core.errors import NotFound
from core.settings import Settings
from memory import databases
from memory.db import Database, upgrade
from memory.vault import Vault, load_key
from policies.gate import CallContext, Gate
from tests.testbed.docker_fixtures import OWNER_LABEL, SESSION, TEST_LABEL
from tools.db.deploy_specs import container_name, volume_name
from tools.deps import ToolDeps
from tools.docker.client import connect

USER = CallContext(actor="user:evin")
TEST_LABELS = {TEST_LABEL: "1", OWNER_LABEL: SESSION}


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """Jarvis's own store on SQLite: these tests are about the containers, not the store."""
    url = f"sqlite:///{tmp_path / 'jarvis.db'}"
    upgrade(url)
    return url


@pytest.fixture
def settings(tmp_path: Path, pg_image: str, redis_image: str, mariadb_image: str) -> Settings:
    """Deployments use the local test images, are labelled as test objects, never pull."""
    data = tmp_path / "data"
    data.mkdir()
    deploy = DatabasesSettings(
        postgresql_image=pg_image,
        redis_image=redis_image,
        mariadb_image=mariadb_image,
        pull_images=False,
        labels=TEST_LABELS,
        healthy_seconds=90,
        health_interval_seconds=1,
    )
    return Settings(data_dir=data, databases=deploy)


@pytest.fixture
def tool_deps(settings: Settings, docker_host: str, database: Database) -> Iterator[ToolDeps]:
    """Tool dependencies on the test engine, with Jarvis's store (the registry lives there)."""
    deps = ToolDeps(
        settings,
        environ={"DOCKER_HOST": docker_host},
        redaction_salt=b"deploy-test-salt",
        db=database,
        docker_factory=connect,
    )
    yield deps
    deps.close()


@pytest.fixture
def server_name(docker_client: docker.DockerClient) -> Iterator[str]:
    """A fresh server name; its container and volume are removed afterwards whatever happened."""
    name = f"t{uuid.uuid4().hex[:8]}"
    yield name
    with contextlib.suppress(docker.errors.NotFound):
        docker_client.api.remove_container(container_name(name), force=True, v=True)
    with contextlib.suppress(docker.errors.NotFound):
        docker_client.api.remove_volume(volume_name(name))


async def approved(gate: Gate, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """Call a change, check that it waits for a person, approve it; its result."""
    outcome = await gate.invoke(USER, tool, args)
    assert outcome.status == "approval_required", outcome.message
    assert outcome.approval_id is not None
    view = await gate.decide(outcome.approval_id, approve=True, by="user:evin")
    assert view.status == "executed", view.result
    assert view.result is not None
    data: dict[str, Any] = view.result["data"]
    return data


def failure(view: Any) -> str:
    """The message of an approved call that failed."""
    assert view.status == "failed"
    return str(view.message or (view.result or {}).get("message") or "")


def exists(getter: Any, name: str) -> bool:
    try:
        getter(name)
    except docker.errors.NotFound:
        return False
    return True


async def assert_nothing_left(
    database: Database, docker_client: docker.DockerClient, name: str
) -> None:
    assert not exists(docker_client.api.inspect_container, container_name(name))
    assert not exists(docker_client.api.inspect_volume, volume_name(name))
    with pytest.raises(NotFound):
        await databases.get_server(database, name)


async def password_of(database: Database, settings: Settings, server: str) -> str:
    view = await databases.get_server(database, server)
    assert view.password_ref is not None
    return await databases.reveal_secret(database, Vault(load_key(settings)), view.password_ref)
