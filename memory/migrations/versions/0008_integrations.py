"""integrations: Home Assistant, Plex, n8n, Sunshine and Google (credentials in the vault)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secret_refs", sa.JSON, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("tested_at", UTC_TS, nullable=True),
        sa.Column("test_result", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("integrations")
