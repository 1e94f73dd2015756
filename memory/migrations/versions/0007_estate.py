"""db_servers, db_backups, hosts: database servers, their backups, other machines over SSH

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "db_servers",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("engine", sa.String(20), nullable=False),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("port", sa.Integer, nullable=False),
        sa.Column("username", sa.String(255), nullable=True),
        sa.Column("password_ref", sa.String(100), nullable=True),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("container", sa.String(255), nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
    )
    op.create_table(
        "db_backups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("server", sa.String(63), nullable=False),
        sa.Column("database", sa.String(63), nullable=False),
        sa.Column("engine", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("path", sa.Text, nullable=True),
        sa.Column("size_bytes", sa.BigInteger, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("tables", sa.JSON, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("finished_at", UTC_TS, nullable=True),
        sa.Column("verify_status", sa.String(20), nullable=True),
        sa.Column("verified_at", UTC_TS, nullable=True),
        sa.Column("verify_detail", sa.JSON, nullable=True),
    )
    op.create_index("ix_db_backups_target", "db_backups", ["server", "database", "created_at"])
    # The hosts table of 0001 was never used: it had no pinned key, so it is replaced.
    op.drop_table("hosts")
    op.create_table(
        "hosts",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("port", sa.Integer, nullable=False),
        sa.Column("key_path", sa.Text, nullable=False),
        sa.Column("host_key_type", sa.String(50), nullable=False),
        sa.Column("host_key", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(100), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("last_seen_at", UTC_TS, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("hosts")
    op.create_table(
        "hosts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("address", sa.String(500), nullable=False),
        sa.Column("port", sa.Integer, nullable=False),
        sa.Column("username", sa.String(200)),
        sa.Column("docker_host", sa.String(500)),
        sa.Column("created_at", UTC_TS, nullable=False),
    )
    op.drop_index("ix_db_backups_target", table_name="db_backups")
    op.drop_table("db_backups")
    op.drop_table("db_servers")
