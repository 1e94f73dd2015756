"""The router hands unknown requests to a real OpenAI client (against a local server that
speaks the protocol); when that endpoint fails, Jarvis says so and the router still works."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent.models import build_model
from agent.runtime import Runtime, build_runtime
from agent.service import Agent
from core.settings import Settings
from tests.testbed.fake_openai import FAKE_API_KEY, FakeOpenAI


@pytest.fixture
async def runtime(
    tmp_path: Path, docker_host: str, fake_openai: FakeOpenAI
) -> AsyncIterator[Runtime]:
    settings = Settings(
        data_dir=tmp_path,
        docker_host=docker_host,
        llm_base_url=fake_openai.base_url,
        llm_api_key=SecretStr(FAKE_API_KEY),
        llm_model="gpt-5",
        llm_timeout_seconds=2,
    )
    rt = build_runtime(settings)
    yield rt
    await rt.close()


async def test_unmatched_request_goes_to_the_llm_with_tools(
    runtime: Runtime, fake_openai: FakeOpenAI, make_container
) -> None:
    box = make_container(environment={"DB_PASSWORD": "hunter2-very-secret"})
    fake_openai.push_tool_call("docker__inspect_container", {"name": box.name})
    fake_openai.push_text(f"{box.name} is running fine.")
    tokens: list[str] = []

    async def on_token(t: str) -> None:
        tokens.append(t)

    async with Agent.open(runtime, build_model(runtime)) as agent:
        result = await agent.turn(
            f"tell me something interesting about {box.name}", on_token=on_token
        )
    assert result.reply == f"{box.name} is running fine."
    assert "".join(tokens).endswith("running fine.")
    assert [(c.name, c.status) for c in result.tool_calls] == [("docker.inspect_container", "ok")]
    first, second = fake_openai.chat_requests[:2]
    assert "docker__restart_container" in first.tool_names
    # The secret in the container's environment never reached the model.
    assert b"hunter2-very-secret" not in second.raw
    assert b"[[secret:" in second.raw


@pytest.mark.parametrize("mode", ["down", "slow", "garbage", "unauthorized", "server_error"])
async def test_a_failing_llm_is_reported_and_the_router_still_answers(
    runtime: Runtime, fake_openai: FakeOpenAI, make_container, mode: str
) -> None:
    box = make_container()
    fake_openai.fail(mode)  # type: ignore[arg-type]
    async with Agent.open(runtime, build_model(runtime)) as agent:
        failed = await agent.turn("compose a haiku about my homelab")
        assert "could not answer" in failed.reply
        assert FAKE_API_KEY not in failed.reply and "Traceback" not in failed.reply
        assert not failed.tool_calls
        listed = await agent.turn("show my containers", thread_id=failed.thread_id)
    assert [(c.name, c.status) for c in listed.tool_calls] == [("docker.list_containers", "ok")]
    assert box.name in listed.reply
