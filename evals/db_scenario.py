"""The database parts of a scenario: databases to set up on a real server, rows to expect.

```yaml
databases:
  - name: "bot_{run}"                 # created on the run's server, dropped afterwards
    engine: postgresql                # or mariadb: the server comes from the eval config
    steps:                            # in order; a backup is taken with Jarvis's own code
      - {add_rows: events, rows: 4000}
      - {backup: two_nights_ago}      # now, last_night (22:00 yesterday), two_nights_ago
      - {add_rows: events, rows: 1000}
      - {backup: last_night}
      - {drop_table: events}
expect:
  tables: [{database: "bot_{run}", table: events, rows: 5000}]   # rows: null = absent
```
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tools.db.names import IDENT_PATTERN

RUN = "{run}"
SAMPLE_RUN = "r00000"
SERVER = "main"  # the name the run's database server is registered under
_IDENT = re.compile(IDENT_PATTERN)
BackupWhen = Literal["now", "last_night", "two_nights_ago"]


def _ident(value: str) -> str:
    if not _IDENT.fullmatch(value.replace(RUN, SAMPLE_RUN)):
        raise ValueError(f"{value!r} is not a plain name (lower-case letters, digits, _)")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DbStep(_Strict):
    """One set-up step: add rows to a table (made if missing), back up, or drop a table."""

    add_rows: str | None = Field(default=None, description="Table to add `rows` rows to.")
    rows: int = Field(default=0, ge=0, le=1_000_000)
    backup: BackupWhen | None = Field(
        default=None, description="Take a backup; its record is dated at this time."
    )
    id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        description="The backup's id (each run has its own records), so a script can name it.",
    )
    drop_table: str | None = None

    @field_validator("add_rows", "drop_table")
    @classmethod
    def _table(cls, value: str | None) -> str | None:
        return None if value is None else _ident(value)

    @model_validator(mode="after")
    def _one(self) -> DbStep:
        chosen = [k for k in ("add_rows", "backup", "drop_table") if getattr(self, k) is not None]
        if len(chosen) != 1:
            raise ValueError("a step does exactly one of add_rows, backup, drop_table")
        if self.add_rows is None and self.rows:
            raise ValueError("rows belongs to add_rows")
        if self.backup is None and self.id is not None:
            raise ValueError("id belongs to backup")
        return self


class DatabaseSetup(_Strict):
    """A database made on the eval's server before the turn (dropped after the run)."""

    name: str
    engine: Literal["postgresql", "mariadb"] = "postgresql"
    steps: list[DbStep] = []

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        # Put {run} in it: the server is shared, runs and other users of it must not collide.
        return _ident(value)


class TableExpect(_Strict):
    """A table and the rows it must hold (None: it must not exist)."""

    database: str
    table: str
    rows: int | None = Field(ge=0)

    @field_validator("database", "table")
    @classmethod
    def _names(cls, value: str) -> str:
        return _ident(value)
