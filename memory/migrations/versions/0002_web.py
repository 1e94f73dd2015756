"""web app: accounts, API keys, Chainlit chat history (users, threads, steps, elements, feedbacks)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
# Chainlit's data layer uses raw SQL: on PostgreSQL it expects the documented UUID, JSONB and
# TEXT[] columns; on SQLite everything is TEXT (its JSON is written as text there).
CL_ID = sa.Text().with_variant(postgresql.UUID(as_uuid=False), "postgresql")
CL_JSON = sa.Text().with_variant(postgresql.JSONB(), "postgresql")
CL_TAGS = sa.Text().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_login_at", TS),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS),
        sa.Column("revoked_at", TS),
    )
    op.create_table(
        "users",
        sa.Column("id", CL_ID, primary_key=True),
        sa.Column("identifier", sa.Text, nullable=False, unique=True),
        sa.Column("metadata", CL_JSON, nullable=False),
        sa.Column("createdAt", sa.Text),
    )
    op.create_table(
        "threads",
        sa.Column("id", CL_ID, primary_key=True),
        sa.Column("createdAt", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("userId", CL_ID, sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("userIdentifier", sa.Text),
        sa.Column("tags", CL_TAGS),
        sa.Column("metadata", CL_JSON),
    )
    op.create_index("ix_threads_user", "threads", ["userId"])
    op.create_table(
        "steps",
        sa.Column("id", CL_ID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column(
            "threadId",
            CL_ID,
            sa.ForeignKey("threads.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("parentId", CL_ID),
        sa.Column("streaming", sa.Boolean, nullable=False),
        sa.Column("waitForAnswer", sa.Boolean),
        sa.Column("isError", sa.Boolean),
        sa.Column("metadata", CL_JSON),
        sa.Column("tags", CL_TAGS),
        sa.Column("input", sa.Text),
        sa.Column("output", sa.Text),
        sa.Column("createdAt", sa.Text),
        sa.Column("command", sa.Text),
        sa.Column("modes", CL_JSON),
        sa.Column("start", sa.Text),
        sa.Column("end", sa.Text),
        sa.Column("generation", CL_JSON),
        sa.Column("showInput", sa.Text),
        sa.Column("language", sa.Text),
        sa.Column("indent", sa.Integer),
        sa.Column("defaultOpen", sa.Boolean),
        # Not in Chainlit's documented schema, but Step.to_dict() writes it: without the
        # column every step write fails (and Chainlit only logs a warning).
        sa.Column("autoCollapse", sa.Boolean),
    )
    op.create_index("ix_steps_thread", "steps", ["threadId"])
    op.create_table(
        "elements",
        sa.Column("id", CL_ID, primary_key=True),
        sa.Column("threadId", CL_ID, sa.ForeignKey("threads.id", ondelete="CASCADE")),
        sa.Column("type", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("chainlitKey", sa.Text),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("display", sa.Text),
        sa.Column("objectKey", sa.Text),
        sa.Column("size", sa.Text),
        sa.Column("page", sa.Integer),
        sa.Column("language", sa.Text),
        sa.Column("forId", CL_ID),
        sa.Column("mime", sa.Text),
        sa.Column("props", CL_JSON),
        # Audio and video elements carry these in Element.to_dict().
        sa.Column("autoPlay", sa.Boolean),
        sa.Column("playerConfig", CL_JSON),
    )
    op.create_index("ix_elements_thread", "elements", ["threadId"])
    op.create_table(
        "feedbacks",
        sa.Column("id", CL_ID, primary_key=True),
        sa.Column("forId", CL_ID, nullable=False),
        sa.Column(
            "threadId",
            CL_ID,
            sa.ForeignKey("threads.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
    )
    op.create_index("ix_feedbacks_for", "feedbacks", ["forId"])


def downgrade() -> None:
    for table in ("feedbacks", "elements", "steps", "threads", "users", "api_keys", "accounts"):
        op.drop_table(table)
