"""db.deploy_server refuses what is taken before anyone is asked, and a deployment that fails
after approval leaves no container, volume or registration behind."""

from __future__ import annotations

import socket

import docker
import pytest

from core.errors import NotFound
from core.settings import Settings
from memory import databases
from memory.db import Database
from policies.gate import Gate
from tests.testbed.docker_fixtures import MakeContainer
from tests.tools.db import deploy_fixtures as fx
from tests.tools.db.deploy_fixtures import USER, assert_nothing_left, exists, failure
from tools.db.deploy import DeployArgs
from tools.db.deploy_specs import container_name, volume_name

# The shared fixtures, by name (pytest finds them as attributes of this module).
db_url = fx.db_url
server_name = fx.server_name
settings = fx.settings
tool_deps = fx.tool_deps


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


async def test_an_existing_volume_is_refused_and_left_alone(
    gate: Gate, database: Database, docker_client: docker.DockerClient, server_name: str
) -> None:
    # Earlier data under the same name: a deployment never takes it over, nor removes it.
    docker_client.volumes.create(name=volume_name(server_name), labels=fx.TEST_LABELS)
    args = {"engine": "postgresql", "name": server_name}
    outcome = await gate.invoke(USER, "db.deploy_server", args)
    assert outcome.status == "error" and outcome.approval_id is None
    assert f"a volume named {volume_name(server_name)} already exists" in (outcome.message or "")
    assert docker_client.volumes.get(volume_name(server_name)).name == volume_name(server_name)
    assert not exists(docker_client.api.inspect_container, container_name(server_name))
    with pytest.raises(NotFound):
        await databases.get_server(database, server_name)
