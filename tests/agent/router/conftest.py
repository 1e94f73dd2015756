"""Shared inventories and the real tool registry for the router tests."""

from __future__ import annotations

from typing import Any

import pytest

from agent.router import ContainerInfo, Inventory, PlannedCall
from tools.catalog import build_registry
from tools.registry import Registry

REGISTRY = build_registry()

HOMELAB = Inventory(
    containers=[
        ContainerInfo(name="plex", state="running"),
        ContainerInfo(name="plex-db", state="exited"),
        ContainerInfo(name="n8n", state="running"),
        ContainerInfo(name="sonarr", state="running"),
        ContainerInfo(name="radarr", state="running"),
        ContainerInfo(name="home-assistant", state="running"),
        ContainerInfo(name="caddy", state="running"),
        ContainerInfo(name="postgres", state="running"),
        ContainerInfo(name="nextcloud", state="running"),
        ContainerInfo(name="nextcloud-db", state="running"),
        ContainerInfo(name="grafana", state="running", project="monitoring", service="grafana"),
    ]
)
SMALL = Inventory(containers=["plex", "n8n", "sonarr"])


def validate(calls: list[PlannedCall], registry: Registry = REGISTRY) -> None:
    """Every call names a real tool and its arguments pass that tool's args model."""
    for call in calls:
        registry.get(call.tool).args_model.model_validate(call.args)


def pairs(calls: list[PlannedCall]) -> list[tuple[str, dict[str, Any]]]:
    """Calls as (tool, args) pairs, for comparing with a table."""
    return [(c.tool, c.args) for c in calls]


@pytest.fixture
def homelab() -> Inventory:
    """A typical homelab's containers."""
    return HOMELAB
