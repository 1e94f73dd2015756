"""Migrations: the same schema as the models on both backends, and a clean downgrade."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from memory.db import alembic_config, make_sync_engine, upgrade
from memory.models import Base


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = make_sync_engine(db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_upgrade_is_idempotent_and_downgrade_removes_everything(db_url: str) -> None:
    upgrade(db_url)  # a second run changes nothing
    command.downgrade(alembic_config(db_url), "base")
    engine = make_sync_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables <= {"alembic_version"}
    upgrade(db_url)
