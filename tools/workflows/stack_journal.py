"""The durable record of a stack's deploys: each step written once it is done, an intent before
each side effect, so a process killed mid-way resumes to a consistent end.

A stack has no database row (it is a folder), so its record is a private JSON file in the data
dir, replaced atomically: step records and intents as the domain tasks keep them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.errors import Conflict
from core.paths import PRIVATE_FILE, private_dir
from memory.models import utcnow

Kind = Literal["deploy", "rollback"]
Status = Literal["running", "deployed", "rolled_back", "failed"]
KEEP = 20  # commits remembered as healthy or held back, per stack


class Journal(BaseModel):
    """One deploy (or requested rollback) of a stack, as far as it got."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    stack: str
    kind: Kind
    status: Status = "running"
    target: str
    last_good: str
    steps: dict[str, dict[str, Any]] = {}
    intents: dict[str, Any] = {}
    attempts: int = 0
    message: str | None = None
    failing: dict[str, Any] | None = None
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    def done(self, step: str) -> bool:
        """Whether `step` already finished (a resumed run skips it)."""
        return step in self.steps


class History(BaseModel):
    """What earlier deploys taught about a stack's commits."""

    healthy: list[str] = []  # deployed and healthy, oldest first
    held: list[str] = []  # failed their deploy or were rolled back from: not deployed again

    def mark_healthy(self, sha: str) -> None:
        """`sha` ran healthy."""
        self.healthy = [*[s for s in self.healthy if s != sha][-(KEEP - 1) :], sha]
        self.held = [s for s in self.held if s != sha]

    def mark_held(self, sha: str) -> None:
        """`sha` failed or was rolled back from: background deploys leave it alone."""
        self.held = [*[s for s in self.held if s != sha][-(KEEP - 1) :], sha]


class Records:
    """The journal and history files of the stacks, under `<data dir>/stacks`."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "stacks"

    def _path(self, stack: str, what: str) -> Path:
        return self.folder / f"{stack}.{what}.json"

    def _write(self, path: Path, text: str) -> None:
        private_dir(self.folder)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)  # a reader sees the old record or the new one, never half

    def journal(self, stack: str) -> Journal | None:
        """The newest deploy record of a stack (None: never deployed by Jarvis)."""
        path = self._path(stack, "deploy")
        return Journal.model_validate_json(path.read_text()) if path.exists() else None

    def save(self, journal: Journal) -> Journal:
        """Write the record (durably) and return it."""
        journal.updated_at = utcnow()
        self._write(self._path(journal.stack, "deploy"), journal.model_dump_json(indent=1))
        return journal

    def history(self, stack: str) -> History:
        """Commits known healthy or held back."""
        path = self._path(stack, "history")
        return History.model_validate_json(path.read_text()) if path.exists() else History()

    def save_history(self, stack: str, history: History) -> None:
        """Keep what was learnt."""
        self._write(self._path(stack, "history"), json.dumps(history.model_dump(), indent=1))

    def busy(self, stack: str) -> bool:
        """Whether a live process is deploying the stack right now (it holds the lock)."""
        try:
            with self.lock(stack):
                return False
        except Conflict:
            return True

    @contextlib.contextmanager
    def lock(self, stack: str) -> Iterator[None]:
        """One deploy of a stack at a time; the lock dies with the process that held it."""
        private_dir(self.folder)
        fd = os.open(self._path(stack, "lock"), os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise Conflict(
                    f"a deploy of {stack} is under way; try again when it ended"
                ) from None
            yield
        finally:
            os.close(fd)
