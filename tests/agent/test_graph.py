"""The chat graph against the real gate, Docker Engine and checkpoint stores (SQLite and PG)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from sqlalchemy import func, select

from agent.runtime import Runtime, build_runtime
from agent.scripted import ScriptedChatModel
from agent.service import Agent
from agent.toolspec import model_name
from core.settings import Settings
from memory.models import Execution


def call(tool: str, call_id: str, **args: Any) -> AIMessage:
    """A scripted model message asking for one tool call (in the model's spelling)."""
    return AIMessage(
        content="", tool_calls=[{"name": model_name(tool), "args": args, "id": call_id}]
    )


@pytest.fixture
def make_runtime(tmp_path: Path, db_url: str, docker_host: str) -> Callable[[], Runtime]:
    """A runtime on the parametrised database; call it again for a 'restarted process'."""

    def make() -> Runtime:
        settings = Settings(
            data_dir=tmp_path / "data", database_url=db_url, docker_host=docker_host
        )
        settings.data_dir.mkdir(exist_ok=True)
        return build_runtime(settings)

    return make


@pytest.fixture
async def runtime(make_runtime: Callable[[], Runtime]) -> AsyncIterator[Runtime]:
    rt = make_runtime()
    yield rt
    await rt.close()


async def executions(rt: Runtime, tool: str) -> int:
    async with rt.db.session() as s:
        return int(
            await s.scalar(
                select(func.count()).select_from(Execution).where(Execution.tool == tool)
            )
            or 0
        )


async def test_read_turn_streams_and_reports_the_call(runtime: Runtime, make_container) -> None:
    box = make_container()
    model = ScriptedChatModel(
        responses=[call("docker.list_containers", "c1"), "Here are your containers."]
    )
    tokens: list[str] = []

    async def on_token(t: str) -> None:
        tokens.append(t)

    async with Agent.open(runtime, model) as agent:
        result = await agent.turn("show my containers", on_token=on_token)
    assert result.reply == "Here are your containers."
    assert "".join(tokens) == "Here are your containers."
    [record] = result.tool_calls
    assert (record.name, record.status) == ("docker.list_containers", "ok")
    assert box.name in {c["name"] for c in record.data["containers"]}
    assert not result.waiting and not result.approvals
    # The model saw the registry's tools, in names the OpenAI API accepts.
    assert any(t["function"]["name"] == "docker__restart_container" for t in model.tools)


async def test_write_waits_for_approval_then_resumes_in_a_new_process(
    make_runtime: Callable[[], Runtime], make_container
) -> None:
    box = make_container()
    started = box.attrs["State"]["StartedAt"]
    first = make_runtime()
    model = ScriptedChatModel(responses=[call("docker.restart_container", "r1", name=box.name)])
    async with Agent.open(first, model) as agent:
        asked = await agent.turn(f"restart {box.name}", actor="user:evin")
    await first.close()
    assert asked.waiting
    [approval] = asked.approvals
    assert approval.status == "pending" and approval.tool == "docker.restart_container"
    assert approval.id in asked.reply
    box.reload()
    assert box.attrs["State"]["StartedAt"] == started  # nothing ran yet

    # Another process answers and resumes the same thread from its checkpoint.
    second = make_runtime()
    try:
        view = await second.gate.decide(approval.id, approve=True, by="user:evin")
        assert view.status == "executed"
        done_model = ScriptedChatModel(responses=[f"Restarted {box.name}."])
        async with Agent.open(second, done_model) as agent:
            resumed = await agent.after_decision(view)
            again = await agent.after_decision(view)
            assert resumed is not None and not resumed.waiting
            assert resumed.reply == f"Restarted {box.name}."
            assert [(c.name, c.status) for c in resumed.tool_calls] == [
                ("docker.restart_container", "ok")
            ]
            assert again is None  # nothing waits any more
            # The model saw the executed result as the tool message.
            seen: list[BaseMessage] = done_model.calls[0]
            tool_msgs = [m for m in seen if isinstance(m, ToolMessage)]
            assert '"status": "ok"' in str(tool_msgs[-1].content)
            # The thread goes on normally afterwards.
            later = await agent.turn("thanks", thread_id=asked.thread_id)
            assert later.thread_id == asked.thread_id
        assert await executions(second, "docker.restart_container") == 1
        box.reload()
        assert box.attrs["State"]["StartedAt"] != started
    finally:
        await second.close()


async def test_rejected_change_never_runs(runtime: Runtime, make_container) -> None:
    box = make_container()
    model = ScriptedChatModel(
        responses=[call("docker.stop_container", "s1", name=box.name), "Left it running."]
    )
    async with Agent.open(runtime, model) as agent:
        asked = await agent.turn(f"stop {box.name}")
        view = await runtime.gate.decide(asked.approvals[0].id, approve=False, by="user:admin")
        resumed = await agent.after_decision(view)
    assert resumed is not None and resumed.reply == "Left it running."
    assert [c.status for c in resumed.tool_calls] == ["denied"]
    # The owner said no; no rule is blamed for it.
    assert "rejected by admin" in (resumed.tool_calls[0].message or "")
    assert "rule" not in (resumed.tool_calls[0].message or "")
    box.reload()
    assert box.status == "running"
    assert await executions(runtime, "docker.stop_container") == 0


def answered_in_order(messages: list[BaseMessage]) -> bool:
    """Every tool call the model made has its tool message before the model speaks again."""
    open_calls: set[str] = set()
    for m in messages:
        if isinstance(m, ToolMessage):
            open_calls.discard(m.tool_call_id)
        elif isinstance(m, AIMessage):
            if open_calls:
                return False
            open_calls = {str(c["id"]) for c in m.tool_calls}
    return True


async def test_a_pending_approval_does_not_block_the_thread(
    runtime: Runtime, make_container
) -> None:
    box = make_container()
    model = ScriptedChatModel(
        responses=[
            call("docker.stop_container", "s1", name=box.name),
            call("system.memory", "m1"),
            "Memory is fine.",
            f"Stopped {box.name}.",
        ]
    )
    async with Agent.open(runtime, model) as agent:
        asked = await agent.turn(f"stop {box.name}")
        [pending] = asked.approvals
        # A read goes on while the card waits; the card stays answerable.
        later = await agent.turn("how is memory", thread_id=asked.thread_id)
        assert later.reply == "Memory is fine." and not later.waiting
        assert [(c.name, c.status) for c in later.tool_calls] == [("system.memory", "ok")]
        row = await runtime.gate.approvals.get(pending.id)
        assert row.status == "pending"
        box.reload()
        assert box.status == "running"

        view = await runtime.gate.decide(pending.id, approve=True, by="user:evin")
        resumed = await agent.after_decision(view)
        again = await agent.after_decision(view)
    assert resumed is not None and resumed.reply == f"Stopped {box.name}."
    assert resumed.thread_id == asked.thread_id
    assert [(c.name, c.status) for c in resumed.tool_calls] == [("docker.stop_container", "ok")]
    assert again is None
    box.reload()
    assert box.status == "exited"
    assert await executions(runtime, "docker.stop_container") == 1
    # The history the model saw stays well formed: every call answered before it speaks.
    assert all(answered_in_order(seen) for seen in model.calls)


async def test_answering_an_older_card_while_a_newer_one_waits(
    runtime: Runtime, make_container
) -> None:
    first, second = make_container(), make_container()
    model = ScriptedChatModel(
        responses=[
            call("docker.stop_container", "a", name=first.name),
            call("docker.stop_container", "b", name=second.name),
            "First one stopped.",
            "Second one left running.",
        ]
    )
    async with Agent.open(runtime, model) as agent:
        one = await agent.turn(f"stop {first.name}")
        two = await agent.turn(f"stop {second.name}", thread_id=one.thread_id)
        assert two.waiting and two.approvals[0].id != one.approvals[0].id
        yes = await runtime.gate.decide(one.approvals[0].id, approve=True, by="user:evin")
        done = await agent.after_decision(yes)
        no = await runtime.gate.decide(two.approvals[0].id, approve=False, by="user:evin")
        refused = await agent.after_decision(no)
    assert done is not None and done.reply == "First one stopped."
    assert refused is not None and [c.status for c in refused.tool_calls] == ["denied"]
    assert "rejected by evin" in (refused.tool_calls[0].message or "")
    first.reload()
    second.reload()
    assert (first.status, second.status) == ("exited", "running")
    assert all(answered_in_order(seen) for seen in model.calls)


async def test_a_spoken_turn_marks_its_calls_and_only_its_calls(
    runtime: Runtime, make_container
) -> None:
    box = make_container()
    model = ScriptedChatModel(
        responses=[
            call("docker.restart_container", "v1", name=box.name),
            call("docker.restart_container", "t1", name=box.name),
        ]
    )
    async with Agent.open(runtime, model) as agent:
        heard = await agent.turn(f"restart {box.name}", spoken=True)
        typed = await agent.turn(f"restart {box.name}", thread_id=heard.thread_id)
    [voice] = heard.approvals
    assert voice.rule == "builtin:voice-confirm" and f"restart {box.name}" in voice.reason
    [plain] = typed.approvals
    assert plain.rule == "builtin:no-rule"


async def test_step_limit_forces_a_final_answer(runtime: Runtime) -> None:
    runtime.settings.agent_max_steps = 3
    model = ScriptedChatModel(responses=[call("system.memory", f"m{i}") for i in range(10)])
    async with Agent.open(runtime, model) as agent:
        result = await agent.turn("loop forever")
    assert result.reply.startswith("I stopped after 3 steps")
    assert len(model.calls) == 3
    assert [c.name for c in result.tool_calls] == ["system.memory"] * 3


async def test_tool_errors_go_back_to_the_model(runtime: Runtime) -> None:
    model = ScriptedChatModel(
        responses=[
            AIMessage(
                content="",
                tool_calls=[
                    {"name": "docker__no_such_tool", "args": {}, "id": "e1"},
                    {"name": "docker__restart_container", "args": {"bogus": 1}, "id": "e2"},
                ],
            ),
            "Those did not work.",
        ]
    )
    async with Agent.open(runtime, model) as agent:
        result = await agent.turn("do odd things")
    assert result.reply == "Those did not work."
    assert [c.status for c in result.tool_calls] == ["error", "error"]
    texts = [str(m.content) for m in model.calls[1] if isinstance(m, ToolMessage)]
    assert "unknown" in texts[0].lower() or "no_such_tool" in texts[0]
    assert "bogus" in texts[1]


async def test_a_failing_model_is_reported_not_raised(runtime: Runtime) -> None:
    def boom(_messages: list[BaseMessage]) -> AIMessage:
        raise ConnectionError("model endpoint down")

    async with Agent.open(runtime, ScriptedChatModel(responses=[boom])) as agent:
        result = await agent.turn("hello")
    assert result.reply and "Traceback" not in result.reply


async def test_plan_runs_nothing(runtime: Runtime, make_container) -> None:
    box = make_container()
    model = ScriptedChatModel(responses=[call("docker.remove_container", "p1", name=box.name)])
    async with Agent.open(runtime, model) as agent:
        plan = await agent.plan(f"remove {box.name}")
    assert [(c.name, c.status) for c in plan.tool_calls] == [("docker.remove_container", "planned")]
    box.reload()
    assert box.status == "running"
    assert await executions(runtime, "docker.remove_container") == 0
