"""Approvals answered from the CLI and the REST API resume the waiting conversation, also when
the server was restarted between the question and the answer."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from sqlalchemy import func, select

from agent.runtime import build_runtime
from agent.scripted import ScriptedChatModel
from agent.service import Agent
from memory.models import Execution
from tests.testbed.jarvis_server import JarvisServer


def ask(server: JarvisServer, text: str) -> dict:
    done = server.jarvis("ask", text, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def thread_state(server: JarvisServer, thread_id: str) -> tuple[bool, str, int]:
    """Whether the thread still waits, its last AI text, and how many restarts ran."""
    runtime = build_runtime(server.settings())
    try:
        async with Agent.open(runtime, ScriptedChatModel()) as agent:
            config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
            snapshot = await agent.graph.aget_state(config)
            last = [m for m in snapshot.values["messages"] if isinstance(m, AIMessage)][-1]
        async with runtime.db.session() as s:
            runs = await s.scalar(
                select(func.count())
                .select_from(Execution)
                .where(Execution.tool == "docker.restart_container")
            )
        return bool(snapshot.interrupts), str(last.content), int(runs or 0)
    finally:
        await runtime.close()


async def test_cli_answer_resumes_the_thread(
    tmp_path: Path, db_url: str, docker_host: str, make_container
) -> None:
    box = make_container()
    server = JarvisServer(tmp_path, db_url, docker_host)
    asked = ask(server, f"restart {box.name}")
    assert asked["waiting"] is True
    [approval] = asked["approvals"]
    assert approval["tool"] == "docker.restart_container" and approval["status"] == "pending"

    done = server.jarvis("approvals", "approve", approval["id"], "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["status"] == "executed"
    assert answer["conversation"]["thread_id"] == asked["thread_id"]
    assert f"Restarted {box.name}" in answer["conversation"]["reply"]
    waiting, last, runs = await thread_state(server, asked["thread_id"])
    assert not waiting and f"Restarted {box.name}" in last and runs == 1


async def test_rest_answer_resumes_the_thread_after_a_server_restart(
    tmp_path: Path, db_url: str, docker_host: str, make_container
) -> None:
    box = make_container()
    started = box.attrs["State"]["StartedAt"]
    server = JarvisServer(tmp_path, db_url, docker_host)
    server.start()
    try:
        asked = ask(server, f"restart {box.name}")
        key = server.jarvis("apikey", "create", "ops", "--json")
        assert key.returncode == 0, key.stderr
        token = json.loads(key.stdout)["key"]
        server.stop()
        server.start()  # the question was asked before this process existed
        approval_id = asked["approvals"][0]["id"]
        url = f"{server.url}/api/v1/approvals/{approval_id}/decision"
        assert httpx.post(url, json={"approve": True}, timeout=60).status_code == 401
        reply = httpx.post(
            url, json={"approve": True}, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["status"] == "executed"
        again = httpx.post(url, json={"approve": True}, headers={"X-API-Key": token}, timeout=60)
        assert again.status_code == 200 and again.json()["status"] == "executed"
    finally:
        server.stop()
    waiting, last, runs = await thread_state(server, asked["thread_id"])
    assert not waiting and f"Restarted {box.name}" in last and runs == 1
    box.reload()
    assert box.attrs["State"]["StartedAt"] != started
