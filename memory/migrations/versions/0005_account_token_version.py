"""accounts: a token version, bumped at logout and password change, revokes old sessions

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode, so that the downgrade can drop the column on SQLite too.
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("token_version", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("token_version")
