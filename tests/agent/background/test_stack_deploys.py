"""Background deploys of stacks on a real git clone and real compose: a stack behind its remote
is deployed by the agent itself, health-gated, and the owner is told, when a rule allows
stacks.deploy for agent:autonomous on it; without the rule it is asked and the owner is told."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import docker
import pytest

from agent.background.service import Background
from agent.notify.notifier import notifying
from agent.runtime import Runtime, build_runtime
from core.settings import BackgroundSettings, NotifyChannel, Settings
from core.stacks_settings import StacksSettings
from tests.testbed.receiver import Receiver
from tests.testbed.stacks import StackBed
from tests.tools.stacks.test_deploy import app_container

RULE = """
version: 1
rules:
  - id: deploy-{name}
    effect: allow
    tools: [stacks.deploy]
    actors: ["agent:autonomous"]
    resources: ["stack:{name}"]
"""

Build = Callable[[bool], Runtime]


@pytest.fixture
async def build(
    tmp_path: Path, docker_host: str, receiver: Receiver, stack_bed: StackBed
) -> AsyncIterator[Build]:
    """Builds the runtime (with or without the rule) over the stack bed; closed afterwards."""
    made: list[Runtime] = []

    def make(allow: bool) -> Runtime:
        rules = tmp_path / "policy.yaml"
        rules.write_text(RULE.format(name=stack_bed.name) if allow else "version: 1\nrules: []\n")
        settings = Settings(
            data_dir=tmp_path / "data",
            database_url=f"sqlite:///{tmp_path / 'j.db'}",
            docker_host=docker_host,
            audit_checkpoint_file=tmp_path / "checkpoints.jsonl",
            audit_syslog=False,
            policy_file=rules,
            stacks_root=stack_bed.root,
            stacks=StacksSettings(healthy_seconds=25, grace_seconds=1, poll_seconds=0.3),
            background=BackgroundSettings(verify_seconds=10),
            public_url="https://jarvis.example.net",
            notify_urls=[NotifyChannel.model_validate({"url": receiver.url})],
            notify_burst_seconds=0.3,
        )
        settings.data_dir.mkdir(exist_ok=True)
        rt = build_runtime(settings)
        made.append(rt)
        return rt

    yield make
    for rt in made:
        await rt.close()


def sent(receiver: Receiver) -> str:
    """Every message the channel received, as text."""
    return "\n".join(m["title"] + "\n" + m["message"] for m in receiver.messages)


async def test_a_stack_behind_is_deployed_by_the_agent_and_the_owner_told(
    build: Build, stack_bed: StackBed, receiver: Receiver, docker_client: docker.DockerClient
) -> None:
    rt = build(True)
    v1 = stack_bed.push("version 1")
    async with notifying(rt):
        run = await Background(rt).start("remediate", options={"checks": ["stacks.*"]})
    [action] = [a for a in run.actions if a["resource"] == f"stack:{stack_bed.name}"]
    assert (action["tool"], action["status"], action["verified"]) == ("stacks.deploy", "ok", True)
    assert stack_bed.head() == v1
    box = app_container(docker_client, stack_bed)
    assert box["State"]["Health"]["Status"] == "healthy"
    assert "version 1" in " ".join(box["Config"]["Cmd"])
    text = sent(receiver)
    assert "Jarvis repaired 1 thing(s) by itself" in text, text
    said = f"stacks.deploy on stack:{stack_bed.name}: verified: stacks.git_sync no longer reports"
    assert said in text, text

    # A commit that never turns healthy: the agent's deploy rolls back, and says so.
    v2 = stack_bed.push("version 2", probe="never-there")
    receiver.messages.clear()
    async with notifying(rt):
        run = await Background(rt).start("remediate", options={"checks": ["stacks.*"]})
    [action] = [a for a in run.actions if a["resource"] == f"stack:{stack_bed.name}"]
    assert action["status"] == "failed"
    assert f"rolled back to {v1[:12]}" in action["message"]
    assert stack_bed.head() == v1
    text = sent(receiver)
    assert "Run remediate failed" in text and f"rolled back to {v1[:12]}" in text, text
    # The rolled-back commit is held: the next pass does not try it again.
    run = await Background(rt).start("remediate", options={"checks": ["stacks.*"]})
    assert [a for a in run.actions if a["resource"] == f"stack:{stack_bed.name}"] == []
    assert stack_bed.head() == v1 != v2


async def test_without_the_rule_the_deploy_is_asked_and_nothing_moves(
    build: Build, stack_bed: StackBed, receiver: Receiver
) -> None:
    rt = build(False)
    before = stack_bed.head()
    stack_bed.push("version 1")
    async with notifying(rt):
        run = await Background(rt).start("remediate", options={"checks": ["stacks.*"]})
    [action] = [a for a in run.actions if a["resource"] == f"stack:{stack_bed.name}"]
    assert (action["tool"], action["status"]) == ("stacks.deploy", "approval_required")
    assert stack_bed.head() == before
    approval = await rt.gate.approvals.get(action["approval_id"])
    assert approval.purpose and "stacks.git_sync" in approval.purpose
    assert "version 1" in (approval.diff or "")  # the commits it would bring
    text = sent(receiver)
    assert f"Approval needed: stacks.deploy on stack:{stack_bed.name}" in text, text
    assert "https://jarvis.example.net/approve/" in text
