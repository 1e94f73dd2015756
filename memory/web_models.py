"""Tables of the web app: accounts, API keys, and the chat history Chainlit persists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from memory.models import Base, utcnow


class AccountRow(Base):
    """A person who may sign in to the web app (argon2 hash only, never the password)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Sessions carry the version they were issued at; bumping it revokes them all.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ApiKeyRow(Base):
    """A key for the REST API; only the SHA-256 of the key is stored."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


# Chainlit's SQLAlchemy data layer writes these tables with hand-written SQL, so the column
# names (camelCase) and types follow its code: on PostgreSQL the documented UUID / JSONB /
# TEXT[] columns, on SQLite plain TEXT (it stores JSON as text there).
def _on_pg(pg_type: TypeEngine[Any]) -> TypeEngine[str]:
    return Text().with_variant(pg_type, "postgresql")


CL_ID = _on_pg(postgresql.UUID(as_uuid=False))
CL_JSON = _on_pg(postgresql.JSONB())
CL_TAGS = _on_pg(postgresql.ARRAY(Text()))


class ChatUser(Base):
    """Chainlit's user record (created at sign-in, keyed by the account's username)."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(CL_ID, primary_key=True)
    identifier: Mapped[str] = mapped_column(Text, unique=True)
    meta: Mapped[str] = mapped_column("metadata", CL_JSON)
    created_at: Mapped[str | None] = mapped_column("createdAt", Text)


class ChatThread(Base):
    """One conversation."""

    __tablename__ = "threads"

    id: Mapped[str] = mapped_column(CL_ID, primary_key=True)
    created_at: Mapped[str | None] = mapped_column("createdAt", Text)
    name: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(
        "userId", CL_ID, ForeignKey("users.id", ondelete="CASCADE")
    )
    user_identifier: Mapped[str | None] = mapped_column("userIdentifier", Text)
    tags: Mapped[str | None] = mapped_column(CL_TAGS)
    meta: Mapped[str | None] = mapped_column("metadata", CL_JSON)

    __table_args__ = (Index("ix_threads_user", "userId"),)


class ChatStep(Base):
    """A message or a step (tool call, run) inside a conversation."""

    __tablename__ = "steps"

    id: Mapped[str] = mapped_column(CL_ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(Text)
    thread_id: Mapped[str] = mapped_column(
        "threadId", CL_ID, ForeignKey("threads.id", ondelete="CASCADE")
    )
    parent_id: Mapped[str | None] = mapped_column("parentId", CL_ID)
    streaming: Mapped[bool] = mapped_column(Boolean)
    wait_for_answer: Mapped[bool | None] = mapped_column("waitForAnswer", Boolean)
    is_error: Mapped[bool | None] = mapped_column("isError", Boolean)
    meta: Mapped[str | None] = mapped_column("metadata", CL_JSON)
    tags: Mapped[str | None] = mapped_column(CL_TAGS)
    input: Mapped[str | None] = mapped_column(Text)
    output: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str | None] = mapped_column("createdAt", Text)
    command: Mapped[str | None] = mapped_column(Text)
    modes: Mapped[str | None] = mapped_column(CL_JSON)
    start: Mapped[str | None] = mapped_column(Text)
    end: Mapped[str | None] = mapped_column(Text)
    generation: Mapped[str | None] = mapped_column(CL_JSON)
    show_input: Mapped[str | None] = mapped_column("showInput", Text)
    language: Mapped[str | None] = mapped_column(Text)
    indent: Mapped[int | None] = mapped_column(Integer)
    default_open: Mapped[bool | None] = mapped_column("defaultOpen", Boolean)
    auto_collapse: Mapped[bool | None] = mapped_column("autoCollapse", Boolean)

    __table_args__ = (Index("ix_steps_thread", "threadId"),)


class ChatElement(Base):
    """A file, image or custom element attached to a step."""

    __tablename__ = "elements"

    id: Mapped[str] = mapped_column(CL_ID, primary_key=True)
    thread_id: Mapped[str | None] = mapped_column(
        "threadId", CL_ID, ForeignKey("threads.id", ondelete="CASCADE")
    )
    type: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    chainlit_key: Mapped[str | None] = mapped_column("chainlitKey", Text)
    name: Mapped[str] = mapped_column(Text)
    display: Mapped[str | None] = mapped_column(Text)
    object_key: Mapped[str | None] = mapped_column("objectKey", Text)
    size: Mapped[str | None] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(Text)
    for_id: Mapped[str | None] = mapped_column("forId", CL_ID)
    mime: Mapped[str | None] = mapped_column(Text)
    props: Mapped[str | None] = mapped_column(CL_JSON)
    auto_play: Mapped[bool | None] = mapped_column("autoPlay", Boolean)
    player_config: Mapped[str | None] = mapped_column("playerConfig", CL_JSON)

    __table_args__ = (Index("ix_elements_thread", "threadId"),)


class ChatFeedback(Base):
    """A thumbs up or down on a step."""

    __tablename__ = "feedbacks"

    id: Mapped[str] = mapped_column(CL_ID, primary_key=True)
    for_id: Mapped[str] = mapped_column("forId", CL_ID)
    thread_id: Mapped[str] = mapped_column(
        "threadId", CL_ID, ForeignKey("threads.id", ondelete="CASCADE")
    )
    value: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_feedbacks_for", "forId"),)
