"""The OpenAI-compatible chat model, through the real openai client, against a local fake server."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import openai
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field, SecretStr

from agent.llm import (
    LOCAL_API_KEY,
    MAX_RETRIES,
    OPENAI_BASE_URL,
    build_llm,
    describe_llm_error,
    endpoint_host,
    llm_error,
)
from core.errors import AuthFailed, JarvisError, NotFound, RateLimited, Unreachable
from core.settings import Settings
from tests.testbed.fake_openai import FAKE_API_KEY, FailMode, FakeOpenAI


def make_settings(tmp_path: Path, **llm: Any) -> Settings:
    # Every LLM setting is given, so JARVIS_* variables in the environment change nothing.
    values: dict[str, Any] = {
        "llm_base_url": None,
        "llm_api_key": None,
        "llm_model": "gpt-5",
        "llm_timeout_seconds": 5.0,
    }
    values.update(llm)
    return Settings(data_dir=tmp_path, **values)


def llm_for(fake: FakeOpenAI, tmp_path: Path, **llm: Any) -> BaseChatModel:
    llm.setdefault("llm_base_url", fake.base_url)
    llm.setdefault("llm_api_key", FAKE_API_KEY)
    model = build_llm(make_settings(tmp_path, **llm))
    assert model is not None
    return model


async def collect(model: Any, prompt: Any) -> tuple[list[AIMessageChunk], AIMessageChunk]:
    chunks = [chunk async for chunk in model.astream(prompt)]
    assert chunks
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return chunks, total


class RestartContainer(BaseModel):
    """Restart one Docker container by name."""

    name: str = Field(description="The container's name")
    timeout: int = Field(default=10, description="Seconds to wait for a clean stop")


# -- build_llm ----------------------------------------------------------------------------------


def test_no_endpoint_and_no_key_means_no_model(tmp_path: Path) -> None:
    assert build_llm(make_settings(tmp_path)) is None


def test_model_is_configured_from_settings_only(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        llm_base_url="http://127.0.0.1:11434/v1",
        llm_api_key="sk-configured",
        llm_model="llama3.1",
        llm_timeout_seconds=7.5,
    )
    model = build_llm(settings)
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "llama3.1"
    assert model.openai_api_base == "http://127.0.0.1:11434/v1"
    assert isinstance(model.openai_api_key, SecretStr)
    assert model.openai_api_key.get_secret_value() == "sk-configured"
    assert model.request_timeout == 7.5
    assert model.max_retries == MAX_RETRIES == 1
    assert model.stream_usage is True
    assert model.use_responses_api is False


def test_base_url_alone_gets_a_placeholder_key(tmp_path: Path) -> None:
    model = build_llm(make_settings(tmp_path, llm_base_url="http://127.0.0.1:11434/v1"))
    assert isinstance(model, ChatOpenAI)
    assert isinstance(model.openai_api_key, SecretStr)
    assert model.openai_api_key.get_secret_value() == LOCAL_API_KEY


def test_key_alone_goes_to_openai(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The environment must not redirect a configured model elsewhere.
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:9/v1")
    model = build_llm(make_settings(tmp_path, llm_api_key="sk-only-a-key"))
    assert isinstance(model, ChatOpenAI)
    assert model.openai_api_base == OPENAI_BASE_URL
    assert model.model_name == "gpt-5"


# -- talking to the endpoint ---------------------------------------------------------------------


async def test_plain_reply(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.push_text("All 12 containers are running.")
    reply = await llm_for(fake_openai, tmp_path).ainvoke([HumanMessage("how is the server?")])

    assert isinstance(reply, AIMessage)
    assert reply.content == "All 12 containers are running."
    assert reply.tool_calls == []
    (request,) = fake_openai.chat_requests
    assert request.authorization == f"Bearer {FAKE_API_KEY}"
    assert request.body["model"] == "gpt-5"
    assert request.messages == [{"role": "user", "content": "how is the server?"}]
    assert not request.stream


def test_plain_reply_sync(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.push_text("pong")
    assert llm_for(fake_openai, tmp_path).invoke("ping").content == "pong"


async def test_streamed_reply(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    text = "Plex restarted and is healthy again."
    fake_openai.push_text(text)
    chunks, total = await collect(llm_for(fake_openai, tmp_path), "restart plex")

    assert len([c for c in chunks if c.content]) > 3
    assert total.content == text
    assert total.response_metadata.get("finish_reason") == "stop"
    # Streaming usage is asked for, and the usage chunk is read.
    assert total.usage_metadata is not None
    assert total.usage_metadata["output_tokens"] > 0
    (request,) = fake_openai.chat_requests
    assert request.stream
    assert request.body["stream_options"] == {"include_usage": True}


async def test_tool_call(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    call_id = fake_openai.push_tool_call("RestartContainer", {"name": "plex", "timeout": 30})
    model = llm_for(fake_openai, tmp_path).bind_tools([RestartContainer])
    reply = await model.ainvoke("restart plex please")

    assert isinstance(reply, AIMessage)
    assert reply.tool_calls == [
        {
            "name": "RestartContainer",
            "args": {"name": "plex", "timeout": 30},
            "id": call_id,
            "type": "tool_call",
        }
    ]
    (request,) = fake_openai.chat_requests
    assert request.tool_names == ["RestartContainer"]
    (tool,) = request.tools
    assert tool["function"]["description"] == "Restart one Docker container by name."
    assert set(tool["function"]["parameters"]["properties"]) == {"name", "timeout"}


async def test_streamed_tool_calls(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    ids = fake_openai.push_tool_calls(
        [("RestartContainer", {"name": "plex"}), ("RestartContainer", {"name": "sonarr"})],
        text="Restarting both.",
    )
    model = llm_for(fake_openai, tmp_path).bind_tools([RestartContainer])
    chunks, total = await collect(model, "restart plex and sonarr")

    # The arguments really arrived in pieces and were put back together.
    assert sum(1 for c in chunks if c.tool_call_chunks) > 2
    assert total.content == "Restarting both."
    assert total.tool_calls == [
        {"name": "RestartContainer", "args": {"name": "plex"}, "id": ids[0], "type": "tool_call"},
        {"name": "RestartContainer", "args": {"name": "sonarr"}, "id": ids[1], "type": "tool_call"},
    ]
    assert total.response_metadata.get("finish_reason") == "tool_calls"


async def test_tool_result_round_trip_sends_no_secret(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    call_id = fake_openai.push_tool_call("RestartContainer", {"name": "plex"})
    fake_openai.push_text("Done: plex is up.")
    model = llm_for(fake_openai, tmp_path).bind_tools([RestartContainer])
    history: list[BaseMessage] = [HumanMessage("restart plex")]
    first = await model.ainvoke(history)
    history += [first, ToolMessage(content=json.dumps({"status": "ok"}), tool_call_id=call_id)]
    second = await model.ainvoke(history)

    assert second.content == "Done: plex is up."
    last = fake_openai.chat_requests[-1]
    assert [m["role"] for m in last.messages] == ["user", "assistant", "tool"]
    assert last.messages[1]["tool_calls"][0]["id"] == call_id
    assert last.messages[2]["tool_call_id"] == call_id
    for request in fake_openai.chat_requests:
        # The key travels in the Authorization header only, never in what the model reads.
        assert FAKE_API_KEY not in request.raw.decode()


async def test_local_endpoint_without_key(tmp_path: Path) -> None:
    with FakeOpenAI(api_key=None) as fake:
        fake.push_text("hello from a local model")
        model = llm_for(fake, tmp_path, llm_api_key=None, llm_model="llama3.1")
        reply = await model.ainvoke("hi")
        assert reply.content == "hello from a local model"
        assert fake.chat_requests[0].authorization == f"Bearer {LOCAL_API_KEY}"


async def test_retry_rides_out_one_failure(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.fail("server_error", times=1)
    fake_openai.push_text("fine now")
    reply = await llm_for(fake_openai, tmp_path).ainvoke("hi")
    assert reply.content == "fine now"
    assert len(fake_openai.chat_requests) == 1 + MAX_RETRIES


async def test_models_endpoint(fake_openai: FakeOpenAI) -> None:
    client = openai.AsyncOpenAI(api_key=FAKE_API_KEY, base_url=fake_openai.base_url)
    try:
        page = await client.models.list()
        assert [m.id for m in page.data] == list(fake_openai.models)
    finally:
        await client.close()


# -- failures -----------------------------------------------------------------------------------

FAILURES: dict[FailMode, tuple[type[JarvisError], str]] = {
    "unauthorized": (AuthFailed, "rejected the API key (HTTP 401)"),
    "forbidden": (AuthFailed, "refused access (HTTP 403)"),
    "model_not_found": (NotFound, "The model 'gpt-5' was not found"),
    "rate_limited": (RateLimited, "rate limiting us (HTTP 429); wait 1 s"),
    "quota_exceeded": (JarvisError, "has run out of quota (HTTP 429)"),
    "server_error": (Unreachable, "had a server error (HTTP 500)"),
    "slow": (Unreachable, "did not answer in time"),
    "garbage": (JarvisError, "not a valid OpenAI chat completion"),
    "truncated": (JarvisError, "not a valid OpenAI chat completion"),
    "wrong_shape": (JarvisError, "not a valid OpenAI chat completion"),
    "dropped": (Unreachable, "broke off before a full reply arrived"),
    "down": (Unreachable, "Could not connect to the language model"),
}


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("mode", list(FAILURES))
async def test_failure_is_explained(
    fake_openai: FakeOpenAI, tmp_path: Path, mode: FailMode, stream: bool
) -> None:
    model = llm_for(fake_openai, tmp_path, llm_timeout_seconds=1.0)
    fake_openai.fail(mode)
    with pytest.raises(Exception) as caught:
        if stream:
            await collect(model, "hi")
        else:
            await model.ainvoke("hi")

    kind, phrase = FAILURES[mode]
    error = llm_error(caught.value)
    sentence = describe_llm_error(caught.value)
    assert type(error) is kind
    assert sentence == error.message
    assert phrase in sentence
    assert f"127.0.0.1:{fake_openai.port}" in sentence
    assert FAKE_API_KEY not in sentence
    assert "Traceback" not in sentence
    assert sentence.count("\n") == 0
    assert sentence.endswith(".")


async def test_wrong_key_is_refused_and_not_repeated(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    wrong = "sk-wrong-key-that-must-not-leak-1234"
    with pytest.raises(openai.AuthenticationError) as caught:
        await llm_for(fake_openai, tmp_path, llm_api_key=wrong).ainvoke("hi")
    sentence = describe_llm_error(caught.value)
    assert "rejected the API key" in sentence
    assert wrong not in sentence
    assert wrong[-4:] not in sentence


async def test_rate_limit_carries_retry_after(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.retry_after = 2
    fake_openai.fail("rate_limited", times=1 + MAX_RETRIES)
    with pytest.raises(openai.RateLimitError) as caught:
        await llm_for(fake_openai, tmp_path).ainvoke("hi")
    error = llm_error(caught.value)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 2
    assert "wait 2 s" in error.message


async def test_timeout_is_honoured(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.slow_seconds = 30
    fake_openai.fail("slow")
    model = llm_for(fake_openai, tmp_path, llm_timeout_seconds=1.0)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError) as caught:
        await model.ainvoke("hi")
    elapsed = time.monotonic() - started
    # One try and one retry of about a second each, plus the client's short back-off.
    assert 1.0 <= elapsed < 1.0 * (1 + MAX_RETRIES) + 3
    assert "did not answer in time" in describe_llm_error(caught.value)


async def test_server_can_come_back(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    model = llm_for(fake_openai, tmp_path)
    fake_openai.fail("down")
    with pytest.raises(openai.APIConnectionError):
        await model.ainvoke("hi")
    fake_openai.fail(None)
    fake_openai.push_text("back")
    assert (await model.ainvoke("hi")).content == "back"


# -- describe_llm_error on its own ----------------------------------------------------------------


def test_unknown_failure_gets_a_generic_sentence() -> None:
    sentence = describe_llm_error(RuntimeError(f"boom with {FAKE_API_KEY}"))
    assert sentence == (
        "The call to the language model at the configured endpoint failed unexpectedly "
        "(RuntimeError); see the logs for details."
    )


def test_endpoint_is_named_without_credentials() -> None:
    sentence = describe_llm_error(
        TimeoutError(), endpoint="https://jarvis:hunter2@llm.home.arpa:8443/v1"
    )
    assert "llm.home.arpa:8443" in sentence
    assert "hunter2" not in sentence
    assert "jarvis@" not in sentence


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:11434/v1", "127.0.0.1:11434"),
        ("https://api.openai.com/v1", "api.openai.com"),
        ("https://user:pw@example.org/v1", "example.org"),
        ("ollama.lan:11434", "ollama.lan:11434"),
        ("http://[::1]:8000/v1", "[::1]:8000"),
        ("http://host:notaport/v1", None),
        ("", None),
        (None, None),
    ],
)
def test_endpoint_host(url: str | None, host: str | None) -> None:
    assert endpoint_host(url) == host


def test_wrapped_failures_are_found() -> None:
    try:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except OSError as inner:
            raise RuntimeError("node failed") from inner
    except RuntimeError as outer:
        sentence = describe_llm_error(outer, endpoint="http://nas.lan:11434/v1")
    assert sentence.startswith("Could not connect to the language model at nas.lan:11434")
    group = ExceptionGroup("tasks", [json.JSONDecodeError("Expecting value", "<html>", 0)])
    assert "not a valid OpenAI chat completion" in describe_llm_error(group)


def test_jarvis_errors_pass_through() -> None:
    error = AuthFailed("already explained")
    assert llm_error(error) is error
    assert describe_llm_error(error) == "already explained"
