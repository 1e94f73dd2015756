"""Database engines and the migration runner, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from core.errors import BadInput, JarvisError
from core.paths import private_sqlite
from memory.audit_checkpoint import CheckpointLog

# session.info key: the audit head (seq, hash) an append left, checkpointed after commit.
AUDIT_HEAD = "jarvis_audit_head"

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration; a test checks it against the migrations folder. A database already here
# needs no Alembic, which costs every start of a command a tenth of a second to import and run.
HEAD_REVISION = "0008"
T = TypeVar("T")


def _normalise(url: str) -> URL:
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise BadInput(f"database URL is not valid: {exc}") from None
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise BadInput(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed


def sync_url(url: str) -> URL:
    """The URL with the synchronous driver (migrations, tooling)."""
    parsed = _normalise(url)
    driver = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver)


def async_url(url: str) -> URL:
    """The URL with the asyncio driver (the application)."""
    parsed = _normalise(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    return parsed.set(drivername="postgresql+psycopg")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL + NORMAL: durable across process crashes, fast commits; busy_timeout for writers.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_sync_engine(url: str) -> Engine:
    """A synchronous engine (used by migrations and the audit verifier)."""
    engine = create_engine(sync_url(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_async_engine(url: str) -> AsyncEngine:
    """The application's asyncio engine."""
    engine = create_async_engine(async_url(url), pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


class StoreUnavailable(JarvisError):
    """The database could not be reached or lacks its tables; the message is the driver's."""

    kind = "store_unavailable"


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn a connection or missing-schema error raised inside into StoreUnavailable."""
    try:
        yield
    except (OperationalError, ProgrammingError) as exc:
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise StoreUnavailable(first) from exc


def read_sync(url: str, fn: Callable[[Session], T]) -> T:
    """Run `fn` on a short-lived synchronous session (errors as in `store_errors`)."""
    engine = make_sync_engine(url)
    try:
        with store_errors(), Session(engine) as session:
            return fn(session)
    finally:
        engine.dispose()


def alembic_config(url: str) -> Config:
    """An Alembic config pointed at our migrations and the given database."""
    # Alembic loads only when migrating: it costs every CLI command a second otherwise.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", sync_url(url).render_as_string(hide_password=False))
    cfg.attributes["configure_logger"] = False
    return cfg


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other backends and in-memory)."""
    parsed = sync_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def sqlite_private(url: str, create: bool = True) -> None:
    """Create the SQLite file 0600 in a 0700 folder before SQLite opens it (WAL/SHM follow);
    with `create=False`, only tighten the files that exist."""
    path = sqlite_file(url)
    if path is not None:
        private_sqlite(path, create=create)


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    sqlite_private(url)
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def upgrade_to_head(url: str) -> None:
    """Apply the migrations a database lacks; one query when it has them all."""
    sqlite_private(url)
    if stored_revision(url) != HEAD_REVISION:
        upgrade(url)


def stored_revision(url: str) -> str | None:
    """The revision in `alembic_version`, read without Alembic; None if it cannot be read.

    Any failure (no table, no database, no server) means "let Alembic decide": it creates the
    schema or raises the proper error.
    """
    if (path := sqlite_file(url)) is not None and not path.exists():
        return None  # connecting would create the file, and not privately
    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:
        return None
    finally:
        engine.dispose()
    return str(rows[0][0]) if len(rows) == 1 else None


def schema_revision(url: str) -> str | None:
    """The migration the database is at; None for a new (empty or missing) database."""
    if (path := sqlite_file(url)) is not None and not path.exists():
        return None
    from alembic.runtime.migration import MigrationContext

    engine = make_sync_engine(url)
    try:
        with engine.connect() as conn:
            revision: str | None = MigrationContext.configure(conn).get_current_revision()
            return revision
    finally:
        engine.dispose()


class Database:
    """The asyncio engine plus a session factory, created once and passed down."""

    def __init__(
        self, url: str, audit_key: bytes = b"", checkpoints: CheckpointLog | None = None
    ) -> None:
        self.url = url
        # Created (private) by `upgrade`; a database that is gone stays gone for `ping`.
        sqlite_private(url, create=False)
        self.audit_key = audit_key
        self.checkpoints = checkpoints
        self.engine = make_async_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # aiosqlite hops threads once per statement; short writes on the hot path
        # (the audit entry of every read) go through one hop with a synchronous engine.
        self._sync = make_sync_engine(url) if self.engine.dialect.name == "sqlite" else None

    async def write(self, fn: Callable[[Connection], T]) -> T:
        """Run a short synchronous write `fn(conn)` in its own committed transaction."""
        if self._sync is not None:
            return await asyncio.to_thread(self._write_sync, self._sync, fn)
        async with self.engine.begin() as conn:
            return await conn.run_sync(fn)

    @staticmethod
    def _write_sync(engine: Engine, fn: Callable[[Connection], T]) -> T:
        with engine.begin() as conn:
            return fn(conn)

    async def ping(self) -> None:
        """Run `SELECT 1`; raises when the database does not answer."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success."""
        async with self.sessions() as session:
            async with session.begin():
                yield session
            # Only once committed: a checkpoint must never name an entry that was rolled back.
            head = session.info.pop(AUDIT_HEAD, None)
            if head is not None:
                self.checkpoint(*head)

    def checkpoint(self, seq: int, digest: str) -> None:
        """Leave a signed checkpoint of the audit head outside the database, if configured."""
        if self.checkpoints is not None:
            self.checkpoints.write(seq, digest)

    async def close(self) -> None:
        """Release the pools."""
        await self.engine.dispose()
        if self._sync is not None:
            self._sync.dispose()
