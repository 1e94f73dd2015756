"""What a prune asks about on the real engine: every object named with its size, untagged
images by default, and no approval at all when there is nothing to remove."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import docker
import pytest
from sqlalchemy import select

from memory.models import Approval, AuditEntry
from policies.gate import CallContext, Gate
from tests.testbed.docker_fixtures import MakeContainer

pytestmark = pytest.mark.docker


@pytest.fixture
def labelled_images(
    make_container: MakeContainer, docker_client: docker.DockerClient
) -> Iterator[tuple[str, str, str, str]]:
    """Label value, and images under that label: dangling, tagged and unused, used by a box."""
    tag = uuid.uuid4().hex[:10]
    repo = f"jarvis-test/prune-{tag}"
    label = [f'LABEL jarvis.test.prune="{tag}"']
    source = make_container(["sh", "-c", "echo x > /tmp/x; sleep 600"])
    dangling = source.commit(repository=repo, tag="1", changes=label)
    source.commit(repository=repo, tag="1", changes=label)  # the tag moves on: dangling left
    unused = source.commit(repository=repo, tag="unused", changes=label)
    used = source.commit(repository=repo, tag="used", changes=label)
    user = docker_client.containers.create(f"{repo}:used", ["sleep", "600"])
    assert docker_client.images.get(dangling.id).tags == []
    yield tag, dangling.id, unused.id, used.id
    user.remove(force=True)
    for image in docker_client.images.list(filters={"label": f"jarvis.test.prune={tag}"}):
        with contextlib.suppress(docker.errors.APIError):
            docker_client.images.remove(image.id, force=True)


async def test_the_approval_lists_untagged_images_with_their_size(
    gate: Gate, labelled_images: tuple[str, str, str, str]
) -> None:
    tag, dangling, unused, used = labelled_images
    ctx = CallContext(actor="user:admin")
    args = {"what": ["images"], "label": f"jarvis.test.prune={tag}"}
    asked = await gate.invoke(ctx, "docker.prune", args)
    assert asked.status == "approval_required" and asked.approval_id
    view = gate.approvals.view(await gate.approvals.get(asked.approval_id))
    diff = view.diff or ""
    assert "1 untagged (dangling) images" in diff, diff
    assert dangling[7:19] in diff and "freeing up to" in diff
    assert unused[7:19] not in diff and "prune-" + tag + ":unused" not in diff

    # Every unused image only when asked for: the one a container uses is never listed.
    wide = await gate.invoke(ctx, "docker.prune", {**args, "all_images": True})
    assert wide.approval_id
    wide_diff = gate.approvals.view(await gate.approvals.get(wide.approval_id)).diff or ""
    assert f"jarvis-test/prune-{tag}:unused" in wide_diff
    assert f"jarvis-test/prune-{tag}:used" not in wide_diff and used[7:19] not in wide_diff


async def test_nothing_to_remove_asks_nobody(gate: Gate) -> None:
    ctx = CallContext(actor="user:admin")
    label = f"jarvis.test.prune={uuid.uuid4().hex[:10]}"
    outcome = await gate.invoke(
        ctx, "docker.prune", {"what": ["images", "containers"], "label": label}
    )
    assert outcome.status == "no_data" and outcome.approval_id is None
    assert "Nothing to clean up" in (outcome.message or "")
    async with gate.db.session() as s:
        assert (await s.scalars(select(Approval))).first() is None
        events = [e.event for e in await s.scalars(select(AuditEntry))]
    assert "approval_requested" not in events
