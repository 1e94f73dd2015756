"""agent_runs: the background agent's runs (trigger, timings, findings, actions); findings

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("agent_runs") as batch:
        batch.alter_column("started_at", existing_type=UTC_TS, nullable=True)
        batch.add_column(
            sa.Column("trigger", sa.String(20), nullable=False, server_default="manual")
        )
        batch.add_column(sa.Column("parent_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("queued_at", UTC_TS, nullable=True))
        batch.add_column(sa.Column("heartbeat_at", UTC_TS, nullable=True))
        batch.add_column(sa.Column("worker", sa.String(200), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("options", sa.JSON, nullable=True))
        batch.add_column(sa.Column("findings", sa.JSON, nullable=True))
        batch.add_column(sa.Column("actions", sa.JSON, nullable=True))
        batch.add_column(sa.Column("approvals", sa.JSON, nullable=True))
        batch.add_column(sa.Column("error", sa.Text, nullable=True))
    # Rows from before: fill the new columns, then hold them to NOT NULL like new rows.
    op.execute("UPDATE agent_runs SET queued_at = started_at WHERE queued_at IS NULL")
    op.execute("UPDATE agent_runs SET options = '{}' WHERE options IS NULL")
    op.execute("UPDATE agent_runs SET findings = '[]' WHERE findings IS NULL")
    op.execute("UPDATE agent_runs SET actions = '[]' WHERE actions IS NULL")
    op.execute("UPDATE agent_runs SET approvals = '[]' WHERE approvals IS NULL")
    with op.batch_alter_table("agent_runs") as batch:
        batch.alter_column("queued_at", existing_type=UTC_TS, nullable=False)
        for column in ("options", "findings", "actions", "approvals"):
            batch.alter_column(column, existing_type=sa.JSON, nullable=False)
    op.create_index("ix_agent_runs_status", "agent_runs", ["status"])
    op.create_index("ix_agent_runs_queued", "agent_runs", ["queued_at"])
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("purpose", sa.Text, nullable=True))
    op.create_table(
        "findings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("check", sa.String(100), nullable=False),
        sa.Column("resource", sa.Text, nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("remedy", sa.JSON, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("first_seen", UTC_TS, nullable=False),
        sa.Column("last_seen", UTC_TS, nullable=False),
        sa.Column("closed_at", UTC_TS, nullable=True),
        sa.Column("run_id", sa.String(36), nullable=True),
        sa.Column("repair_attempt", sa.Integer, nullable=False, server_default="0"),
        sa.Column("repair_key", sa.String(200), nullable=True),
        sa.Column("repair_status", sa.String(30), nullable=True),
        sa.Column("approval_id", sa.String(36), nullable=True),
    )
    op.create_index("ix_findings_status", "findings", ["status"])
    op.create_index("ix_findings_check_resource", "findings", ["check", "resource"])
    # One open finding per (check, resource): a persisting problem is counted, not repeated.
    op.create_index(
        "uq_findings_open",
        "findings",
        ["check", "resource"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_findings_open", table_name="findings")
    op.drop_index("ix_findings_check_resource", table_name="findings")
    op.drop_index("ix_findings_status", table_name="findings")
    op.drop_table("findings")
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("purpose")
    op.drop_index("ix_agent_runs_queued", table_name="agent_runs")
    op.drop_index("ix_agent_runs_status", table_name="agent_runs")
    with op.batch_alter_table("agent_runs") as batch:
        for column in (
            "error",
            "approvals",
            "actions",
            "findings",
            "options",
            "attempts",
            "worker",
            "heartbeat_at",
            "queued_at",
            "parent_id",
            "trigger",
        ):
            batch.drop_column(column)
