"""docker.reclaim_space on the real engine: untagged images go, everything else stays."""

from __future__ import annotations

import contextlib
import uuid

import docker
import pytest

from tests.testbed.docker_fixtures import IMAGE, MakeContainer
from tools.deps import ToolDeps
from tools.docker import family
from tools.docker.reclaim import ReclaimSpaceArgs, ReclaimSpaceResult

SPEC = next(s for s in family.specs if s.name == "docker.reclaim_space")


def test_it_is_a_gated_write_on_the_prune_resource() -> None:
    assert SPEC.risk == "write"
    assert SPEC.resource == "docker:prune"
    assert SPEC.resource_for(ReclaimSpaceArgs()) == "docker:prune"
    assert "untagged" in SPEC.description
    with pytest.raises(ValueError):
        ReclaimSpaceArgs.model_validate({"all_images": True})


async def test_only_dangling_images_are_removed(
    tool_deps: ToolDeps, make_container: MakeContainer, docker_client: docker.DockerClient
) -> None:
    repo = f"jarvis-test/reclaim-{uuid.uuid4().hex[:8]}"
    source = make_container(["sh", "-c", "echo x > /tmp/x; sleep 600"])
    old = source.commit(repository=repo, tag="1")
    new = source.commit(repository=repo, tag="1", changes=['LABEL jarvis.test.v="2"'])
    assert old.id != new.id
    kept = source.commit(repository=repo, tag="kept")
    try:
        assert docker_client.images.get(old.id).tags == []  # its tag moved: dangling
        assert SPEC._preview is not None
        preview = await SPEC._preview(ReclaimSpaceArgs(), tool_deps)
        assert preview is not None and "untagged" in preview and "Kept:" in preview
        assert old.id[7:19] in preview  # each image named, with its size

        result = await SPEC._impl(ReclaimSpaceArgs(), tool_deps)
        assert isinstance(result, ReclaimSpaceResult)
        assert old.id[7:19] in result.dangling_images.deleted
        assert result.space_reclaimed_bytes >= result.dangling_images.space_reclaimed_bytes
        assert result.build_cache.kind == "build_cache"
        with pytest.raises(docker.errors.ImageNotFound):
            docker_client.images.get(old.id)
        for image in (new.id, kept.id, IMAGE):
            docker_client.images.get(image)  # tagged images stay
        source.reload()
        assert source.status == "running"
    finally:
        for image in (new.id, kept.id, old.id):
            with contextlib.suppress(docker.errors.ImageNotFound, docker.errors.APIError):
                docker_client.images.remove(image, force=True)
