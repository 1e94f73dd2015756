"""Notifications through Apprise to a local json:// receiver: what is sent, folded, scrubbed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from agent.background.service import Background
from agent.notify.notifier import notifying, send_test
from agent.runtime import Runtime, build_runtime
from core.events import Event
from core.settings import NotifyChannel, Settings
from memory.models import utcnow
from tests.testbed.docker_fixtures import has_exited, wait_for
from tests.testbed.receiver import Receiver


@pytest.fixture
async def runtime(tmp_path: Path, docker_host: str, receiver: Receiver) -> AsyncIterator[Runtime]:
    settings = Settings(
        data_dir=tmp_path / "data",
        docker_host=docker_host,
        audit_checkpoint_file=tmp_path / "checkpoints.jsonl",
        audit_syslog=False,
        public_url="https://jarvis.example.net",
        notify_urls=[NotifyChannel.model_validate({"url": receiver.url})],
        notify_burst_seconds=0.3,
        notify_retries=2,
    )
    settings.data_dir.mkdir()
    rt = build_runtime(settings)
    yield rt
    await rt.close()


def finding(resource: str, summary: str, severity: str = "critical") -> Event:
    return Event(
        kind="finding.opened",
        data={
            "check": "containers.exited",
            "resource": resource,
            "severity": severity,
            "summary": summary,
            "remedy": None,
        },
    )


@pytest.mark.docker
async def test_an_approval_from_a_background_run_arrives_with_a_working_link(
    runtime: Runtime, receiver: Receiver, make_container: Any
) -> None:
    box = make_container(["sh", "-c", "exit 3"])

    assert wait_for(lambda: has_exited(box))
    async with notifying(runtime):
        run = await Background(runtime).start("remediate", options={"checks": ["containers.*"]})
    mine = next(a for a in run.actions if a["resource"] == f"container:{box.name}")
    texts = [m["title"] + "\n" + m["message"] for m in receiver.messages]
    assert len(receiver.messages) == 1, texts  # the burst is folded into one message
    text = texts[0]
    assert f"docker.start_container on container:{box.name}" in text
    assert "the background agent" in text and "containers.exited" in text
    link = next(w for w in text.split() if w.startswith("https://jarvis.example.net/approve/"))
    parsed = urlparse(link)
    assert parsed.path == f"/approve/{mine['approval_id']}"
    token = parse_qs(parsed.query)["token"][0]
    view = runtime.gate.approvals.view(await runtime.gate.approvals.get(mine["approval_id"]))
    assert runtime.links.check(view, token, utcnow()) == "ok"
    assert runtime.links.check(view, token[:-2] + "xx", utcnow()) == "forged"


async def test_the_same_finding_is_not_sent_twice_and_severity_is_honoured(
    runtime: Runtime, receiver: Receiver
) -> None:
    runtime.settings.notify_urls[0] = NotifyChannel.model_validate(
        {"url": receiver.url, "min_severity": "critical"}
    )
    async with notifying(runtime):
        runtime.events.publish(finding("container:a", "a exited with code 1"))
        await asyncio.sleep(0.6)
        runtime.events.publish(finding("container:a", "a exited with code 1"))
        runtime.events.publish(finding("container:b", "b is slow", severity="warning"))
    assert len(receiver.messages) == 1
    assert receiver.messages[0]["title"].endswith("container:a: containers.exited")


async def test_secrets_never_leave_in_a_message(runtime: Runtime, receiver: Receiver) -> None:
    secret = "hunter2-very-secret-value"
    async with runtime.db.session() as session:
        await runtime.gate.vault.remember(session, {"⟨secret:test⟩": secret})
    async with notifying(runtime):
        runtime.events.publish(finding("container:db", f"db died: password={secret} rejected"))
    [message] = receiver.messages
    assert secret not in message["message"] and "db died" in message["message"]


async def test_a_failing_channel_is_retried_then_reported_without_breaking_anything(
    runtime: Runtime, receiver: Receiver
) -> None:
    receiver.fail_next = 1
    async with notifying(runtime) as notifier:
        runtime.events.publish(finding("container:x", "x exited"))
    assert notifier is not None
    assert notifier.deliveries[0].delivered and notifier.deliveries[0].attempts == 2
    receiver.fail_next = 10
    results = await send_test(runtime)
    assert [r.delivered for r in results] == [False] and receiver.attempts == 2 + 3
