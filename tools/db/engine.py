"""The one small interface every database engine implements, and what it works with."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from core.errors import AuthFailed, ChangeFailed, JarvisError, Unreachable
from tools.safety.executor import SafeCommandExecutor

T = TypeVar("T")


@dataclass(frozen=True)
class Conn:
    """Where a server is and how to sign in (the password resolved from the vault)."""

    host: str
    port: int
    user: str | None
    password: str | None = field(default=None, repr=False)
    options: Mapping[str, Any] = field(default_factory=dict)


class DatabaseInfo(BaseModel):
    """One database on a server."""

    name: str
    size_bytes: int | None = None
    owner: str | None = None
    connections: int | None = None


class Engine(ABC):
    """A database engine: list, create and drop databases; dump, restore and count rows."""

    kind: str
    # The backup file's ending (the dump is compressed either way).
    suffix: str
    # Whether a failed restore rolls itself back (pg_restore --single-transaction).
    transactional_restore: bool = False
    # The driver's own errors: said as the server's words, so a failed step can be undone.
    driver_errors: tuple[type[Exception], ...] = ()

    def __init__(self, conn: Conn, executor: SafeCommandExecutor) -> None:
        self.conn = conn
        self.executor = executor

    @abstractmethod
    async def version(self) -> str:
        """Connect once and return the server's version (checks the credentials)."""

    @abstractmethod
    async def list_databases(self) -> list[DatabaseInfo]:
        """The user databases with size, owner and open connections."""

    @abstractmethod
    async def exists(self, name: str) -> bool:
        """Whether a database of that name exists."""

    @abstractmethod
    async def user_exists(self, user: str) -> bool:
        """Whether a user (role) of that name exists."""

    @abstractmethod
    async def create_database(self, name: str) -> None:
        """Create an empty database owned by the admin user."""

    @abstractmethod
    async def create_user(self, user: str, password: str, database: str) -> None:
        """Create a login for one database with every right on it (and nothing else)."""

    @abstractmethod
    async def drop_database(self, name: str) -> None:
        """Drop a database (closing its connections first)."""

    @abstractmethod
    async def drop_user(self, user: str) -> None:
        """Drop a user if it exists."""

    @abstractmethod
    async def table_counts(self, database: str) -> dict[str, int]:
        """Exact rows per table (COUNT(*)), read in one snapshot."""

    @abstractmethod
    async def dump(self, database: str, path: Path) -> dict[str, int]:
        """Write a compressed dump to `path`; return rows per table as of the dump."""

    @abstractmethod
    async def restore(self, path: Path, database: str, *, clean: bool, keep_owner: bool) -> None:
        """Load a dump into an existing database (`clean`: replace what the dump holds)."""

    async def in_thread(self, fn: Callable[[], T]) -> T:
        """Run blocking driver work off the event loop; driver errors become ChangeFailed."""
        try:
            return await asyncio.to_thread(fn)
        except JarvisError:
            raise
        except self.driver_errors as exc:
            text = str(exc).strip()
            first = text.splitlines()[0] if text else type(exc).__name__
            raise ChangeFailed(f"the {self.kind} server refused: {first}") from None

    def command_env(self) -> dict[str, str]:
        """The environment that carries the password to the engine's clients."""
        return {}

    async def run(self, argv: Sequence[str], what: str, *, input: bytes | None = None) -> None:
        """Run a client command; a failure says what failed with the first lines of stderr."""
        result = await self.executor.run(argv, env=self.command_env(), input=input)
        if result.ok:
            return
        why = "timed out" if result.timed_out else f"exited {result.exit_code}"
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()][:6]
        detail = "; ".join(lines)[:800] or "no error output"
        raise ChangeFailed(f"{what} failed ({why}): {detail}")


def connect_error(kind: str, conn: Conn, exc: BaseException) -> JarvisError:
    """A connection problem, named without the password: refused credentials or no answer."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    where = f"{kind} server {conn.host}:{conn.port}"
    if "authentication" in text.lower() or "access denied" in text.lower():
        return AuthFailed(f"{where} refused the credentials: {first}")
    return Unreachable(f"{where} did not answer: {first}")
