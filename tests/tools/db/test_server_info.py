"""db.server_info on Redis servers: the loopback Redis as registered, and a Redis that
db.deploy_server started (password in the vault, append-only file on)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import docker
import pytest
import redis

from core.settings import Settings
from memory import databases
from memory.db import Database
from memory.vault import Vault, load_key
from policies.gate import CallContext, Gate
from tests.testbed.docker_fixtures import wait_for
from tests.testbed.services import missing_service
from tests.tools.db import deploy_fixtures as fx
from tools.db.deploy_specs import container_name, volume_name

USER = CallContext(actor="user:evin")
LOOPBACK = ("127.0.0.1", 6379)
SALT = b"server-info-test-salt"


# The deployment tests' fixtures, by name (pytest finds them as attributes of this module).
db_url = fx.db_url
settings = fx.settings
tool_deps = fx.tool_deps


@pytest.fixture
def loopback_redis() -> Iterator[redis.Redis]:
    """A direct client on the machine's Redis, to compare with what the tool reports."""
    client = redis.Redis(*LOOPBACK, db=13, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        missing_service("Redis on 127.0.0.1:6379", f"{exc}; start it with 'redis-server &'")
    yield client
    client.close()


def healthy(client: docker.DockerClient, container: str) -> bool:
    state = client.api.inspect_container(container)["State"]
    return bool(state.get("Health", {}).get("Status") == "healthy")


async def info_of(gate: Gate, server: str) -> dict[str, Any]:
    outcome = await gate.invoke(USER, "db.server_info", {"server": server})
    assert outcome.status == "ok", outcome.message
    assert outcome.data is not None
    return outcome.data


async def test_loopback_redis_shows_version_memory_persistence_and_keys(
    gate: Gate, database: Database, settings: Settings, loopback_redis: redis.Redis
) -> None:
    await databases.add_server(
        database,
        Vault(load_key(settings)),
        SALT,
        name="cache",
        engine="redis",
        address=LOOPBACK[0],
        port=LOOPBACK[1],
        username=None,
        password=None,
        options={"db": 13},
    )
    prefix = f"jarvis-test:{uuid.uuid4().hex[:8]}:"
    try:
        loopback_redis.set(f"{prefix}a", "1")
        loopback_redis.set(f"{prefix}b", "2")
        data = await info_of(gate, "cache")
        direct: dict[str, Any] = loopback_redis.info()  # type: ignore[assignment]
    finally:
        loopback_redis.delete(f"{prefix}a", f"{prefix}b")
    info = data["info"]
    assert data["engine"] == "redis" and data["version"] == f"Redis {direct['redis_version']}"
    assert info["server"]["uptime_in_seconds"] > 0
    assert info["memory"]["used_memory"] > 0
    assert info["memory"]["maxmemory"] == direct["maxmemory"]
    assert info["persistence"]["aof_enabled"] == direct["aof_enabled"]
    assert info["persistence"]["rdb_last_bgsave_status"] in ("ok", "err")
    assert info["keys"] >= 2


async def test_a_deployed_redis_is_checked_with_its_vault_password(
    gate: Gate, database: Database, settings: Settings, docker_client: docker.DockerClient
) -> None:
    name = f"r{uuid.uuid4().hex[:8]}"
    try:
        asked = await gate.invoke(USER, "db.deploy_server", {"engine": "redis", "name": name})
        assert asked.approval_id is not None
        view = await gate.decide(asked.approval_id, approve=True, by="user:evin")
        assert view.status == "executed", view.result
        port = (view.result or {})["data"]["port"]

        data = await info_of(gate, name)
        assert data["info"]["persistence"]["aof_enabled"] == 1  # written data survives restarts
        assert data["info"]["keys"] == 0

        server = await databases.get_server(database, name)
        assert server.password_ref is not None and server.container == container_name(name)
        vault = Vault(load_key(settings))
        password = await databases.reveal_secret(database, vault, server.password_ref)
        assert password not in str(docker_client.api.inspect_container(container_name(name)))
        direct = redis.Redis("127.0.0.1", port, password=password, socket_timeout=5)
        with pytest.raises(redis.AuthenticationError):
            redis.Redis("127.0.0.1", port, socket_timeout=5).set("k", "v")
        direct.set("k", "v")
        direct.close()
        assert (await info_of(gate, name))["info"]["keys"] == 1
        # What was written survives a restart of the container (its data is on the volume).
        docker_client.api.restart(container_name(name), timeout=10)
        assert wait_for(lambda: healthy(docker_client, container_name(name)), timeout=30)
        assert (await info_of(gate, name))["info"]["keys"] == 1

        # The same server with a wrong password: refused, and said so.
        await databases.add_server(
            database,
            vault,
            SALT,
            name=f"{name}-wrong",
            engine="redis",
            address="127.0.0.1",
            port=port,
            username=None,
            password="not-the-password",
        )
        refused = await gate.invoke(USER, "db.server_info", {"server": f"{name}-wrong"})
        assert refused.status == "error"
        assert "refused the credentials" in (refused.message or "")
    finally:
        with contextlib.suppress(docker.errors.NotFound):
            docker_client.api.remove_container(container_name(name), force=True, v=True)
        with contextlib.suppress(docker.errors.NotFound):
            docker_client.api.remove_volume(volume_name(name))
