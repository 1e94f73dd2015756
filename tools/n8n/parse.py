"""n8n public API v1 replies (`{data: [...], nextCursor}` pages) read into plain rows.

Workflow names and error text are written by whoever edits the workflows: untrusted data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

MAX_TEXT = 300
# A production webhook path as n8n's Webhook node takes it: plain segments, no dot segments,
# no query, fragment, escapes or dynamic `:param` parts (those need a value, not a pattern).
WEBHOOK_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
# Execution states the API reports; "error", "crashed" and "canceled" did not succeed.
FAILED = frozenset({"error", "crashed"})


class N8nWorkflow(BaseModel):
    """One workflow (`GET /workflows`)."""

    id: str
    name: str
    active: bool
    updated_at: datetime | None = None
    tags: list[str] = []


class N8nExecution(BaseModel):
    """One execution (`GET /executions`)."""

    id: str
    workflow_id: str | None = None
    status: str
    mode: str | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    finished: bool = False


class Page(BaseModel):
    """One page of a list and the cursor of the next (None: the last page)."""

    rows: list[dict[str, Any]]
    next_cursor: str | None = None


def page(body: Any) -> Page:
    """A list page; ValueError when the reply is not `{data: [...], nextCursor?}`."""
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
        raise ValueError("the reply has no `data` list")
    cursor = body.get("nextCursor")
    if cursor is not None and not isinstance(cursor, str):
        raise ValueError("the reply's `nextCursor` is not a string")
    rows = [r for r in body["data"] if isinstance(r, Mapping)]
    return Page(rows=[dict(r) for r in rows], next_cursor=cursor or None)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:MAX_TEXT] or None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)[:64] or None


def workflow(row: Mapping[str, Any]) -> N8nWorkflow:
    """A workflow object; ValueError when it has no id."""
    wf_id = _id(row.get("id"))
    if wf_id is None:
        raise ValueError("a workflow without an id")
    tags = row.get("tags") if isinstance(row.get("tags"), list) else []
    names = [_text(t.get("name")) for t in tags or [] if isinstance(t, Mapping)]
    return N8nWorkflow(
        id=wf_id,
        name=_text(row.get("name")) or "(unnamed)",
        active=row.get("active") is True,
        updated_at=_time(row.get("updatedAt")),
        tags=[n for n in names if n],
    )


def execution(row: Mapping[str, Any]) -> N8nExecution:
    """An execution object; ValueError when it has no id."""
    ex_id = _id(row.get("id"))
    if ex_id is None:
        raise ValueError("an execution without an id")
    finished = row.get("finished") is True
    status = _text(row.get("status"))
    if status is None:  # older servers leave it out: finished or not is all there is
        status = "success" if finished else "unknown"
    return N8nExecution(
        id=ex_id,
        workflow_id=_id(row.get("workflowId")),
        status=status.lower()[:20],
        mode=_text(row.get("mode")),
        started_at=_time(row.get("startedAt")),
        stopped_at=_time(row.get("stoppedAt")),
        finished=finished,
    )


def latest_by_workflow(executions: list[N8nExecution]) -> dict[str, N8nExecution]:
    """Each workflow's newest execution among `executions`."""
    out: dict[str, N8nExecution] = {}
    for ex in executions:
        if ex.workflow_id is None:
            continue
        seen = out.get(ex.workflow_id)
        if seen is None or _when(ex) > _when(seen):
            out[ex.workflow_id] = ex
    return out


def _when(ex: N8nExecution) -> float:
    moment = ex.started_at or ex.stopped_at
    return moment.timestamp() if moment is not None else float("-inf")


def webhook_path(value: str) -> str:
    """A production webhook path, without surrounding slashes; ValueError when it is unsafe."""
    path = value.strip().strip("/")
    if not path or len(path) > 200 or not WEBHOOK_PATH.fullmatch(path):
        raise ValueError(
            "a webhook path is letters, digits, '-', '_' and '.' in segments split by '/' "
            "(no '..', query, '%' or ':param')"
        )
    if any(seg in (".", "..") for seg in path.split("/")):
        raise ValueError("a webhook path may not contain '.' or '..' segments")
    return path
