"""db.deploy_server against the real Docker Engine, with PostgreSQL from a locally built image:
asked first, healthy, registered with its password in the vault only, usable, removable; a
failed deployment leaves no container, volume or registration behind."""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import psycopg
import pymysql
import pytest

from core.errors import NotFound
from core.settings import DatabasesSettings, Settings
from memory import databases
from memory.db import Database, upgrade
from memory.models import AuditEntry
from memory.vault import Vault, load_key
from policies.gate import CallContext, Gate
from tests.testbed.docker_fixtures import OWNER_LABEL, SESSION, TEST_LABEL, MakeContainer
from tools.db.deploy import DeployArgs
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


async def password_of(database: Database, settings: Settings, server: str) -> str:
    view = await databases.get_server(database, server)
    assert view.password_ref is not None
    return await databases.reveal_secret(database, Vault(load_key(settings)), view.password_ref)


async def test_deploy_postgres_after_approval_then_use_and_remove_it(
    gate: Gate,
    database: Database,
    settings: Settings,
    docker_client: docker.DockerClient,
    server_name: str,
) -> None:
    result = await approved(gate, "db.deploy_server", {"engine": "postgresql", "name": server_name})
    container = container_name(server_name)
    assert result["container"] == container and result["address"] == "127.0.0.1"
    port = result["port"]

    attrs = docker_client.api.inspect_container(container)
    assert attrs["State"]["Health"]["Status"] == "healthy"
    labels = attrs["Config"]["Labels"]
    assert labels["jarvis.managed"] == "1" and labels["jarvis.db.engine"] == "postgresql"
    assert attrs["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert attrs["HostConfig"]["PortBindings"]["5432/tcp"] == [
        {"HostIp": "127.0.0.1", "HostPort": str(port)}
    ]
    assert any(m.get("Name") == volume_name(server_name) for m in attrs["Mounts"])

    # Registered, with the password in the vault: it signs in, and it is nowhere else.
    view = await databases.get_server(database, server_name)
    assert (view.engine, view.port, view.username, view.container) == (
        "postgresql",
        port,
        "postgres",
        container,
    )
    password = await password_of(database, settings, server_name)
    assert password not in str(attrs["Config"]["Env"]) and password not in str(result)
    async with database.session() as session:
        entries = (await session.execute(AuditEntry.__table__.select())).all()
    assert entries and password not in str(entries)
    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", password=password, dbname="postgres"
    ) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=port, user="postgres", password="wrong-password")

    checked = await gate.invoke(USER, "db.server_info", {"server": server_name})
    assert checked.status == "ok" and checked.data is not None, checked.message
    assert checked.data["version"].startswith("PostgreSQL 15")

    # A database on it, through the registry's own tool.
    made = await approved(gate, "db.create_database", {"server": server_name, "name": "nextcloud"})
    assert made["database"] == "nextcloud"
    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", password=password, dbname="nextcloud"
    ) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("nextcloud",)

    # The same name again is refused before anyone is asked.
    again = await gate.invoke(USER, "db.deploy_server", {"engine": "redis", "name": server_name})
    assert again.status == "error" and "already registered" in (again.message or "")

    removed = await approved(gate, "db.undeploy_server", {"name": server_name})
    assert removed["volume"] == volume_name(server_name)
    assert not exists(docker_client.api.inspect_container, container)
    assert not exists(docker_client.api.inspect_volume, volume_name(server_name))
    with pytest.raises(NotFound):
        await databases.get_server(database, server_name)


async def test_deploy_mariadb_and_make_a_database_on_it(
    gate: Gate,
    database: Database,
    settings: Settings,
    docker_client: docker.DockerClient,
    server_name: str,
) -> None:
    result = await approved(gate, "db.deploy_server", {"engine": "mariadb", "name": server_name})
    port = result["port"]
    assert result["username"] == "root"
    attrs = docker_client.api.inspect_container(container_name(server_name))
    assert attrs["State"]["Health"]["Status"] == "healthy"
    password = await password_of(database, settings, server_name)
    assert password not in str(attrs["Config"]["Env"])

    made = await approved(gate, "db.create_database", {"server": server_name, "name": "wiki"})
    assert made["database"] == "wiki"
    conn = pymysql.connect(host="127.0.0.1", port=port, user="root", password=password)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW DATABASES LIKE 'wiki'")
            assert cur.fetchall() == (("wiki",),)
    finally:
        conn.close()
    await approved(gate, "db.undeploy_server", {"name": server_name})
    await assert_nothing_left(database, docker_client, server_name)


async def assert_nothing_left(
    database: Database, docker_client: docker.DockerClient, name: str
) -> None:
    assert not exists(docker_client.api.inspect_container, container_name(name))
    assert not exists(docker_client.api.inspect_volume, volume_name(name))
    with pytest.raises(NotFound):
        await databases.get_server(database, name)


async def test_a_taken_port_is_refused_before_anyone_is_asked(
    gate: Gate, database: Database, docker_client: docker.DockerClient, server_name: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        args = {"engine": "postgresql", "name": server_name, "port": port}
        outcome = await gate.invoke(USER, "db.deploy_server", args)
    assert outcome.status == "error" and outcome.approval_id is None
    assert f"port {port} on 127.0.0.1 is in use" in (outcome.message or "")
    await assert_nothing_left(database, docker_client, server_name)


async def test_port_taken_after_approval_was_asked_leaves_nothing(
    gate: Gate, database: Database, docker_client: docker.DockerClient, server_name: str
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = await gate.invoke(
        USER, "db.deploy_server", {"engine": "postgresql", "name": server_name, "port": port}
    )
    assert outcome.status == "approval_required" and outcome.approval_id
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen(1)
        view = await gate.decide(outcome.approval_id, approve=True, by="user:evin")
    assert "in use" in failure(view)
    await assert_nothing_left(database, docker_client, server_name)


async def test_a_server_that_never_gets_healthy_is_removed_and_not_registered(
    gate: Gate,
    database: Database,
    settings: Settings,
    docker_client: docker.DockerClient,
    busybox_image: str,
    server_name: str,
) -> None:
    # An image whose process exits at once: the container is made, then fails.
    settings.databases.postgresql_image = busybox_image
    result = await gate.invoke(
        USER, "db.deploy_server", {"engine": "postgresql", "name": server_name}
    )
    assert result.approval_id is not None
    view = await gate.decide(result.approval_id, approve=True, by="user:evin")
    message = failure(view)
    assert "the container and volume it made were removed" in message
    assert "nothing was registered" in message
    await assert_nothing_left(database, docker_client, server_name)


async def test_a_container_name_in_use_is_refused(
    gate: Gate, database: Database, make_container: MakeContainer, server_name: str
) -> None:
    make_container(name=container_name(server_name))
    outcome = await gate.invoke(USER, "db.deploy_server", {"engine": "redis", "name": server_name})
    assert outcome.status == "error" and outcome.approval_id is None
    assert f"a container named {container_name(server_name)} already exists" in (
        outcome.message or ""
    )
    with pytest.raises(NotFound):
        await databases.get_server(database, server_name)


async def test_bad_arguments_are_refused() -> None:
    for bad in (
        {"engine": "mongodb", "name": "x"},
        {"engine": "redis", "name": "Bad Name"},
        {"engine": "redis", "name": "x", "port": 80},
        {"engine": "redis", "name": "x", "password": "mine"},
    ):
        with pytest.raises(ValueError):
            DeployArgs.model_validate(bad)
