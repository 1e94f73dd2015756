"""domains: domains, domain tasks, domain events, DNS update marks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "domains",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("fqdn", sa.String(253), nullable=False, unique=True),
        sa.Column("zone", sa.String(253), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False),
        sa.Column("records", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("cert", sa.JSON),
        sa.Column("health", sa.JSON),
        sa.Column("checked_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_domains_status", "domains", ["status"])
    op.create_table(
        "domain_tasks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "domain_id",
            sa.Integer,
            sa.ForeignKey("domains.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("current_step", sa.String(100)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("steps", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON),
        sa.Column("error", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("heartbeat_at", TS),
    )
    op.create_index("ix_domain_tasks_domain", "domain_tasks", ["domain_id"])
    op.create_index("ix_domain_tasks_status", "domain_tasks", ["status"])
    op.create_table(
        "domain_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "domain_id",
            sa.Integer,
            sa.ForeignKey("domains.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("domain_tasks.id", ondelete="SET NULL")),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("data", sa.JSON),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_domain_events_domain", "domain_events", ["domain_id", "id"])
    op.create_table(
        "dns_update_marks",
        sa.Column("provider", sa.String(100), primary_key=True),
        sa.Column("host", sa.String(253), primary_key=True),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("dns_update_marks", "domain_events", "domain_tasks", "domains"):
        op.drop_table(table)
