"""Alembic environment: runs our migrations against the configured database."""

from alembic import context
from sqlalchemy import create_engine

import memory.domain_models  # noqa: F401  (registers the domain tables on Base)
from memory import (
    estate_models,  # noqa: F401  (registers the database and host tables on Base)
    web_models,  # noqa: F401  (registers the web tables on Base)
)
from memory.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations in one transaction on a live connection."""
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
