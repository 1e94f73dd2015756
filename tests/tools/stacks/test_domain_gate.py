"""A deploy's health gate includes the domain the stack serves, checked through real Caddy
(Pebble certificates): healthy containers behind a domain that does not answer roll back."""

from __future__ import annotations

from pathlib import Path

import docker
import httpx
import pytest

from core.settings import Settings
from core.stacks_settings import StacksSettings
from memory.db import Database
from memory.domain_models import DomainStatus
from memory.domains import DomainChanges, NewDomain, create_domain, update_domain
from policies.gate import Gate
from tests.testbed.caddy_pebble import Caddy, caddy_site_config, free_port, wait_until_served
from tests.testbed.stacks import StackBed, sqlite_url
from tests.tools.stacks.test_deploy import app_container, approved
from tools.deps import ToolDeps

FQDN = "stackapp.example.test"

# `serve`: busybox httpd answers on port 80; else the container is healthy but serves nothing.
COMPOSE = """\
services:
  app:
    image: {image}
    command: ["sh", "-c", "echo {words}; mkdir -p /www; echo {words} > /www/index.html; {serve}touch /tmp/ready; exec sleep 600"]
    init: true
    ports: ["127.0.0.1:{port}:80"]
    labels:
      jarvis.test: "1"
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      timeout: 2s
      retries: 2
"""  # noqa: E501


@pytest.fixture
def settings(tmp_path: Path, caddy: Caddy) -> Settings:
    """The stacks bed's settings, with domain health checks pointed at the test bed's Caddy."""
    data = tmp_path / "data"
    data.mkdir()
    stacks = StacksSettings(healthy_seconds=20, grace_seconds=1, poll_seconds=0.3)
    domains = {
        "https_port": caddy.https_port,
        "https_connect_address": "127.0.0.1",
        "ca_bundle": str(caddy.pebble.root),
    }
    return Settings.model_validate(
        {"data_dir": data, "stacks_root": tmp_path / "contain", "stacks": stacks,
         "domains": domains}
    )  # fmt: skip


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """One backend is enough here."""
    return sqlite_url(tmp_path)


async def test_a_domain_that_stops_answering_rolls_the_deploy_back(
    gate: Gate,
    tool_deps: ToolDeps,
    database: Database,
    stack_bed: StackBed,
    caddy: Caddy,
    docker_client: docker.DockerClient,
) -> None:
    bed = stack_bed
    tool_deps.db = database
    port = free_port()
    upstream = f"127.0.0.1:{port}"
    load = httpx.post(
        f"{caddy.admin}/load", json=caddy_site_config(caddy, {FQDN: upstream}), timeout=10
    )
    load.raise_for_status()
    wait_until_served(caddy, FQDN)
    new = NewDomain(fqdn=FQDN, zone="example.test", target=upstream, provider="rfc2136")
    domain = await create_domain(database, new)
    await update_domain(database, domain.id, DomainChanges(status=DomainStatus.ACTIVE))

    def push(words: str, serve: bool) -> str:
        httpd = "httpd -p 80 -h /www; " if serve else ""
        text = COMPOSE.format(image=bed.image, words=words, port=port, serve=httpd)
        return bed.push_text(text, words)

    v1 = push("version 1", serve=True)
    _, view = await approved(gate, "stacks.deploy", {"name": bed.name})
    assert view.status == "executed", view
    assert bed.head() == v1

    # v2's container turns healthy, but nothing answers behind the domain any more.
    push("version 2", serve=False)
    _, view = await approved(gate, "stacks.deploy", {"name": bed.name})
    assert view.status == "failed", view
    assert view.result is not None
    said = str(view.result["message"])
    assert f"domain {FQDN} of service app is down" in said, said
    assert f"rolled back to {v1[:12]}, which is healthy again" in said, said
    assert "Last log lines of app: version 2" in said
    assert view.result["data"]["outcome"] == "rolled_back"
    assert bed.head() == v1
    back = app_container(docker_client, bed)
    assert "version 1" in " ".join(back["Config"]["Cmd"])
