"""docker.check_compose_file through the real gate: services, homelab warnings, no side effect."""

from __future__ import annotations

import pytest

from policies.gate import CallContext, Gate

USER = CallContext(actor="user:evin")
COMPOSE = """
services:
  plex:
    image: plexinc/pms-docker:1.41.0
    restart: unless-stopped
    ports: ["127.0.0.1:32400:32400"]
    volumes: ["plex-config:/config", "/srv/media:/data:ro"]
    healthcheck: {test: ["CMD", "curl", "-f", "http://localhost:32400/identity"]}
  n8n:
    image: n8nio/n8n
    ports:
      - target: 5678
        published: 5678
volumes:
  plex-config: {}
"""


async def test_a_compose_file_is_read_with_its_warnings(gate: Gate) -> None:
    outcome = await gate.invoke(USER, "docker.check_compose_file", {"content": COMPOSE})
    assert outcome.status == "ok" and outcome.data is not None
    services = {s["name"]: s for s in outcome.data["services"]}
    assert services["plex"]["ports"] == ["127.0.0.1:32400:32400"]
    assert services["plex"]["healthcheck"] and services["plex"]["restart"] == "unless-stopped"
    assert services["n8n"]["ports"] == ["5678:5678"]
    assert outcome.data["volumes"] == ["plex-config"]
    warnings = outcome.data["warnings"]
    assert not any(w.startswith("plex:") for w in warnings), warnings
    assert any("n8nio/n8n has no fixed tag" in w for w in warnings)
    assert any("5678:5678 is published on every interface" in w for w in warnings)
    assert any(w.startswith("n8n: no restart policy") for w in warnings)


@pytest.mark.parametrize(
    ("content", "reason"),
    [("services: [a, b", "not valid YAML"), ("name: x\n", "no 'services' mapping")],
)
async def test_what_is_not_a_compose_file_is_bad_input(
    gate: Gate, content: str, reason: str
) -> None:
    outcome = await gate.invoke(USER, "docker.check_compose_file", {"content": content})
    assert outcome.status == "error" and reason in (outcome.message or ""), outcome
