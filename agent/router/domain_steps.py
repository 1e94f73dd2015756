"""A domain task's steps as replies and panels show them: marks, progress, the latest task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.router.format import clean, token
from tools.workflows.steps import KIND_STEPS

STEP_MARKS = {
    "done": "✓",
    "succeeded": "✓",
    "running": "…",
    "failed": "✗",
    "rolled_back": "↺",
    "pending": "·",
    "skipped": "-",
}


def latest_task(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The task a result is about: `task`, the newest of `tasks`, or the result itself."""
    task = data.get("task") or data.get("latest_task")
    if isinstance(task, Mapping):
        return task
    tasks = [t for t in data.get("tasks") or [] if isinstance(t, Mapping)]
    if tasks:
        return tasks[-1]
    return data if "steps" in data else {}


def _record_note(record: Mapping[str, Any]) -> str | None:
    if isinstance(record.get("message"), str):
        return str(record["message"])
    facts = [
        f"{k.replace('_', ' ')} {v}"
        for k, v in record.items()
        if isinstance(v, str | int | float) and not isinstance(v, bool)
    ]
    return ", ".join(facts[:2]) or None


def steps_of(task: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every step of a task, in order, as {name, status, message}.

    Status is pending, running, done, skipped, failed or rolled_back; steps not reached yet
    are listed as pending (the workflow's step lists are known per task kind).
    """
    raw = task.get("steps") or []
    if isinstance(raw, Mapping):  # {name: {"done": ..., "record": ...}} as stored
        raw = [{"name": k, **(v if isinstance(v, Mapping) else {})} for k, v in raw.items()]
    given = {str(s.get("name") or "?"): s for s in raw if isinstance(s, Mapping)}
    known = KIND_STEPS.get(str(task.get("kind") or ""), ())
    order = [*known, *(n for n in given if n not in known)]
    task_status = str(task.get("status") or "")
    current = task.get("current_step")
    out = []
    for name in order:
        step = given.get(name, {})
        kept = step.get("record")
        record: Mapping[str, Any] = kept if isinstance(kept, Mapping) else {}
        message = step.get("message") or _record_note(record)
        if isinstance(step.get("status"), str):
            status = str(step["status"])
        elif step.get("done"):
            status = "skipped" if record.get("skipped") else "done"
            if task_status == "rolled_back" and status == "done":
                status = "rolled_back"
        elif name == current and task_status in ("running", "failed", "rolled_back"):
            # The failure is said once, in the task's summary, not again on its step.
            status = "running" if task_status == "running" else "failed"
        else:
            status = "pending"
        out.append({"name": name, "status": status, "message": message})
    return out


def step_lines(task: Mapping[str, Any]) -> list[str]:
    """One line per workflow step: its mark, name and message."""
    out = []
    for step in steps_of(task):
        status = str(step["status"])
        mark = STEP_MARKS.get(status, "·")
        message = f": {clean(step['message'], 200)}" if step.get("message") else ""
        label = clean(str(step.get("name") or "?").replace("_", " "), 60)
        out.append(f"{mark} {label} ({token(status)}){message}")
    return out


def progress(task: Mapping[str, Any]) -> str:
    """ "step 3 of 8 (caddy route)" for a task; "" when it has no steps."""
    steps = steps_of(task)
    if not steps:
        return ""
    done = sum(1 for s in steps if s["status"] in ("done", "succeeded", "skipped"))
    current = next(
        (s for s in steps if s["status"] in ("running", "failed")),
        next((s for s in steps if s["status"] == "pending"), None),
    )
    name = clean(str(current.get("name") or "?").replace("_", " "), 60) if current else ""
    where = f", at {name}" if current is not None and done < len(steps) else ""
    return f"{done} of {len(steps)} steps done{where}"
