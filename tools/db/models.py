"""Arguments of the database tools: names checked by strict patterns before anything runs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from core.errors import BadInput
from tools.db.names import IDENT_PATTERN, SERVER_PATTERN, check_user_database
from tools.registry import ToolArgs


def _user_database(value: str) -> str:
    try:
        return check_user_database(value)
    except BadInput as exc:
        raise ValueError(exc.message) from None


ServerName = Annotated[
    str,
    Field(pattern=SERVER_PATTERN, description="A registered database server.", examples=["main"]),
]
DatabaseName = Annotated[
    str,
    Field(
        pattern=IDENT_PATTERN,
        description="A database: lower-case letters, digits and _.",
        examples=["nextcloud"],
    ),
    AfterValidator(_user_database),
]
BackupId = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f-]{8,36}$",
        description="A backup id (or its first 8+ characters).",
        examples=["0f3c2a1b"],
    ),
]


class ServerArgs(ToolArgs):
    """One server."""

    server: ServerName


class NameArgs(ToolArgs):
    """A database on a server, to create or drop."""

    server: ServerName
    name: DatabaseName


class DatabaseArgs(ToolArgs):
    """A database on a server, to back up or list the backups of."""

    server: ServerName
    database: DatabaseName


class TakeBackupArgs(DatabaseArgs):
    """A database to back up, and why."""

    kind: Literal["manual", "scheduled"] = Field(
        default="manual", description="scheduled: taken by the nightly run."
    )


class BackupArgs(ToolArgs):
    """One backup."""

    backup: BackupId


class RestoreArgs(ToolArgs):
    """A backup and the database to restore it into (on the backup's server)."""

    backup: BackupId
    database: DatabaseName
    server: ServerName | None = Field(
        default=None, description="The backup's server (filled in from the backup)."
    )
