"""db.deploy_server against the real Docker Engine, with PostgreSQL and MariaDB from locally
built images: asked first, healthy, registered with the password in the vault only, usable
through the registry's own tools, and removed again by db.undeploy_server."""

from __future__ import annotations

import docker
import psycopg
import pymysql
import pytest

from core.errors import NotFound
from core.settings import Settings
from memory import databases
from memory.db import Database
from memory.models import AuditEntry
from policies.gate import Gate
from tests.testbed.db_images import PG_VERSION
from tests.tools.db import deploy_fixtures as fx
from tests.tools.db.deploy_fixtures import USER, approved, assert_nothing_left, exists, password_of
from tools.db.deploy_specs import container_name, volume_name

# The shared fixtures, by name (pytest finds them as attributes of this module).
db_url = fx.db_url
server_name = fx.server_name
settings = fx.settings
tool_deps = fx.tool_deps


async def test_deploy_postgres_after_approval_then_use_and_remove_it(
    gate: Gate,
    database: Database,
    settings: Settings,
    docker_client: docker.DockerClient,
    server_name: str,
) -> None:
    args = {"engine": "postgresql", "name": server_name}
    # The approval says what will be made; a rejected one makes nothing.
    asked = await gate.invoke(USER, "db.deploy_server", args)
    assert asked.approval_id is not None
    card = await gate.approvals.get(asked.approval_id)
    assert f"container {container_name(server_name)} with volume" in (card.diff or "")
    await gate.decide(asked.approval_id, approve=False, by="user:evin")
    assert not exists(docker_client.api.inspect_container, container_name(server_name))
    result = await approved(gate, "db.deploy_server", args)
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
    # Not in what `docker inspect` shows (environment, command, health check), nor the result.
    assert password not in str(attrs) and password not in str(result)
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
    assert checked.data["version"].startswith(f"PostgreSQL {PG_VERSION}.")

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
    assert password not in str(attrs)

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
