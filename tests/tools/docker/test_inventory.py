"""Container names for the router's resolver, read through the docker family's client."""

from __future__ import annotations

import pytest

from core.errors import Unreachable
from core.settings import Settings
from tests.testbed.docker_fixtures import MakeContainer
from tools.deps import ToolDeps
from tools.docker.client import connect
from tools.docker.inventory import container_refs


async def test_lists_every_container_with_compose_labels_and_ports(
    tool_deps: ToolDeps, make_container: MakeContainer
) -> None:
    running = make_container(
        labels={"com.docker.compose.project": "media", "com.docker.compose.service": "plex"},
        ports={"32400/tcp": None},
    )
    stopped = make_container(start=False)

    refs = {ref.name: ref for ref in await container_refs(tool_deps)}

    assert refs[running.name].state == "running"
    assert refs[running.name].project == "media"
    assert refs[running.name].service == "plex"
    assert refs[running.name].ports == [32400]
    assert refs[stopped.name].state == "created"
    assert refs[stopped.name].project is None
    assert list(refs) == sorted(refs)


async def test_engine_down_is_a_typed_error(settings: Settings) -> None:
    deps = ToolDeps(
        settings, environ={"DOCKER_HOST": "unix:///nonexistent.sock"}, docker_factory=connect
    )
    with pytest.raises(Unreachable):
        await container_refs(deps)


async def test_no_client_configured_is_a_typed_error(settings: Settings) -> None:
    with pytest.raises(Unreachable, match="no Docker Engine client"):
        await container_refs(ToolDeps(settings))
