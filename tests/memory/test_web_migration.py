"""The web tables, driven by Chainlit's real SQLAlchemy data layer on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from chainlit.context import ChainlitContext, context_var
from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from chainlit.element import CustomElement, Text
from chainlit.session import HTTPSession
from chainlit.types import Feedback, Pagination, ThreadFilter
from chainlit.user import User
from sqlalchemy import inspect, text

from memory.db import alembic_config, async_url, make_sync_engine, upgrade
from ui.chat.auth import JarvisDataLayer, LocalFileStorage

WEB_TABLES = {"accounts", "api_keys", "users", "threads", "steps", "elements", "feedbacks"}


def chainlit_context() -> None:
    """Outside a websocket session Chainlit writes at once instead of queueing (needs a loop)."""
    session = HTTPSession(id=str(uuid.uuid4()), thread_id=str(uuid.uuid4()), client_type="webapp")
    context_var.set(ChainlitContext(session))


@pytest.fixture
async def raw_layer(db_url: str, tmp_path: Path) -> AsyncIterator[SQLAlchemyDataLayer]:
    layer = SQLAlchemyDataLayer(
        conninfo=async_url(db_url).render_as_string(hide_password=False),
        storage_provider=LocalFileStorage(tmp_path / "files"),
    )
    yield layer
    await layer.close()


@pytest.fixture
async def our_layer(db_url: str, tmp_path: Path) -> AsyncIterator[JarvisDataLayer]:
    layer = JarvisDataLayer(db_url, tmp_path / "files")
    yield layer
    await layer.close()


def step(thread_id: str, **extra: Any) -> dict[str, Any]:
    now = "2026-11-25T10:00:00.000Z"
    return {
        "id": str(uuid.uuid4()),
        "threadId": thread_id,
        "name": "Jarvis",
        "type": "assistant_message",
        "streaming": False,
        "output": "plex was restarted",
        "input": "",
        "createdAt": now,
        "start": now,
        "end": now,
        "metadata": {"run": "r1"},
        "showInput": False,
        "defaultOpen": False,
        "autoCollapse": True,
        "isError": False,
        "generation": None,
        "language": None,
        **extra,
    }


def scalar(db_url: str, sql: str) -> Any:
    engine = make_sync_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_upgrade_creates_the_web_tables_and_downgrade_removes_them(db_url: str) -> None:
    engine = make_sync_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) >= WEB_TABLES
        steps = {c["name"] for c in inspect(engine).get_columns("steps")}
        assert {"autoCollapse", "defaultOpen", "command", "modes"} <= steps
        command.downgrade(alembic_config(db_url), "0001")
        assert not WEB_TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    upgrade(db_url)


async def test_chainlit_data_layer_round_trip(raw_layer: SQLAlchemyDataLayer, db_url: str) -> None:
    chainlit_context()
    user = await raw_layer.create_user(User(identifier="admin", metadata={"role": "admin"}))
    assert user is not None and user.identifier == "admin" and user.metadata["role"] == "admin"
    again = await raw_layer.create_user(User(identifier="admin", metadata={"role": "admin"}))
    assert again is not None and again.id == user.id

    thread_id = str(uuid.uuid4())
    await raw_layer.update_thread(thread_id, name="Restart plex", user_id=user.id)
    first = step(thread_id, output="restart plex?", type="user_message", name="admin")
    second = step(thread_id, parentId=first["id"], output="done")
    await raw_layer.create_step(first)
    await raw_layer.create_step(second)
    await raw_layer.update_step({**second, "output": "done: plex is up"})
    assert scalar(db_url, "SELECT count(*) FROM steps") == 2
    assert scalar(db_url, f"SELECT \"autoCollapse\" FROM steps WHERE id = '{second['id']}'")

    element = Text(
        name="restart.log",
        content="plex restarted at 10:00",
        for_id=second["id"],
        thread_id=thread_id,
        mime="text/plain",
    )
    await raw_layer.create_element(element)
    feedback_id = await raw_layer.upsert_feedback(
        Feedback(forId=second["id"], threadId=thread_id, value=1, comment="quick")
    )
    assert feedback_id

    thread = await raw_layer.get_thread(thread_id)
    assert thread is not None
    assert thread["name"] == "Restart plex" and thread["userIdentifier"] == "admin"
    assert [s["id"] for s in thread["steps"]] == [first["id"], second["id"]]
    assert thread["steps"][1]["output"] == "done: plex is up"
    feedback = thread["steps"][1]["feedback"]
    assert feedback is not None and feedback["value"] == 1 and feedback["comment"] == "quick"
    elements = thread["elements"] or []
    assert [e["name"] for e in elements] == ["restart.log"]
    assert str(elements[0]["url"]).startswith("data:text/plain;base64,")

    assert await raw_layer.get_thread_author(thread_id) == "admin"
    page = await raw_layer.list_threads(Pagination(first=10), ThreadFilter(userId=user.id))
    assert [t["id"] for t in page.data] == [thread_id]

    await raw_layer.delete_thread(thread_id)
    assert await raw_layer.get_thread(thread_id) is None
    assert scalar(db_url, "SELECT count(*) FROM steps") == 0


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_chainlit_tags_use_text_arrays_on_postgres(
    raw_layer: SQLAlchemyDataLayer,
) -> None:
    chainlit_context()
    user = await raw_layer.create_user(User(identifier="admin"))
    assert user is not None
    thread_id = str(uuid.uuid4())
    await raw_layer.update_thread(thread_id, user_id=user.id, tags=["profile:ops"])
    thread = await raw_layer.get_thread(thread_id)
    assert thread is not None and thread["tags"] == ["profile:ops"]


async def test_our_layer_reads_the_same_on_both_backends(our_layer: JarvisDataLayer) -> None:
    chainlit_context()
    user = await our_layer.create_user(User(identifier="evin", metadata={"role": "user"}))
    assert user is not None and user.metadata == {"role": "user"}
    thread_id = str(uuid.uuid4())
    await our_layer.update_thread(
        thread_id, name="Disk", user_id=user.id, tags=["ops"], metadata={"env": "lab"}
    )
    await our_layer.update_thread(thread_id, metadata={"chat_profile": None, "more": 1})
    message = step(
        thread_id, tags=["answer"], modes={"model": "router"}, command="dashboard", streaming=True
    )
    await our_layer.create_step(message)
    card = CustomElement(
        name="ApprovalCard", props={"approval_id": "a1", "status": "pending"}, display="inline"
    )
    card.for_id, card.thread_id = message["id"], thread_id
    await our_layer.create_element(card)

    thread = await our_layer.get_thread(thread_id)
    assert thread is not None
    assert thread["tags"] == ["ops"]
    assert thread["metadata"] == {"env": "lab", "more": 1}
    [saved] = thread["steps"]
    assert saved["tags"] == ["answer"] and saved["metadata"] == {"run": "r1"}
    assert saved["streaming"] is True and saved["isError"] is False
    [element] = thread["elements"] or []
    assert element["props"] == {"approval_id": "a1", "status": "pending"}

    got = await our_layer.get_element(thread_id, card.id)
    assert got is not None and got["props"] == {"approval_id": "a1", "status": "pending"}
    one = await our_layer.get_step(message["id"])
    assert one is not None and one["metadata"] == {"run": "r1"}
    page = await our_layer.list_threads(
        Pagination(first=5), ThreadFilter(userId=user.id, search="restarted")
    )
    assert [t["id"] for t in page.data] == [thread_id]
    await our_layer.delete_element(card.id, thread_id)
    assert await our_layer.get_element(thread_id, card.id) is None
