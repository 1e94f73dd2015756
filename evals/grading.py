"""Grading a run's end state against a scenario's expectations: engine, database, reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import docker
from sqlalchemy import select

from agent.runtime import Runtime
from evals.containers import inspect_state
from evals.report import RunState
from evals.scenario import Expect
from memory.models import Approval, AuditEntry, Execution

DONE = ("ok", "no_data")


@dataclass
class DbRows:
    """The rows a grade reads."""

    executions: list[Execution]
    approvals: list[Approval]
    audit: list[AuditEntry]


async def read_rows(runtime: Runtime) -> DbRows:
    """The executions, approvals and audit entries of a run's database."""
    async with runtime.db.session() as session:
        executions = list((await session.execute(select(Execution))).scalars())
        approvals = list((await session.execute(select(Approval))).scalars())
        entries = list(
            (await session.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars()
        )
    return DbRows(executions, approvals, entries)


def _resource(container: str | None) -> str | None:
    return f"container:{container}" if container else None


def _count(rows: list[Any], tool: str, resource: str | None) -> int:
    return sum(1 for r in rows if r.tool == tool and (resource is None or r.resource == resource))


def grade(
    expect: Expect, run: RunState, db: DbRows, client: docker.DockerClient, reply: str
) -> list[str]:
    """What does not hold of `expect`, one sentence each (empty: it all holds)."""
    failures: list[str] = []
    for want in expect.containers:
        state, started = inspect_state(client, want.name)
        if want.state is not None and state != want.state:
            failures.append(f"container {want.name} is {state}, expected {want.state}")
        if want.started is not None and state != "absent":
            changed = started != run.started.get(want.name)
            if changed != (want.started == "changed"):
                failures.append(
                    f"container {want.name} was "
                    + ("restarted" if changed else "not restarted")
                    + f", expected its start time {want.started}"
                )
    pending = [a for a in db.approvals if a.status == "pending"]
    for item in expect.pending:
        why = item.reason_contains
        rows = [a for a in pending if why is None or why.lower() in (a.reason or "").lower()]
        got = _count(rows, item.tool, _resource(item.container))
        if got != item.count:
            on = f" on {item.container}" if item.container else ""
            with_ = f" with a reason mentioning {why!r}" if why else ""
            failures.append(
                f"{got} pending approval(s) for {item.tool}{on}{with_}, expected {item.count}"
            )
    if expect.pending_total is not None and len(pending) != expect.pending_total:
        failures.append(f"{len(pending)} pending approval(s), expected {expect.pending_total}")
    done = [e for e in db.executions if e.status in DONE]
    for count in expect.executed:
        got = _count(done, count.tool, _resource(count.container))
        if got != count.count:
            on = f" on {count.container}" if count.container else ""
            failures.append(f"{count.tool}{on} executed {got} time(s), expected {count.count}")
    if expect.executions_total is not None and len(db.executions) != expect.executions_total:
        names = ", ".join(f"{e.tool} {e.resource}" for e in db.executions) or "none"
        failures.append(
            f"{len(db.executions)} execution(s) ({names}), expected {expect.executions_total}"
        )
    if expect.reads_any:
        read = {e.tool for e in db.audit if e.event == "read"}
        if not read & set(expect.reads_any):
            failures.append(
                f"none of {', '.join(expect.reads_any)} was read "
                f"(read: {', '.join(sorted(t for t in read if t)) or 'nothing'})"
            )
    text = reply.lower()
    for needle in expect.reply_contains:
        if needle.lower() not in text:
            failures.append(f"the reply does not mention {needle!r}")
    if expect.reply_contains_any and not any(n.lower() in text for n in expect.reply_contains_any):
        failures.append(f"the reply mentions none of {expect.reply_contains_any!r}")
    for needle in expect.reply_not_contains:
        if needle.lower() in text:
            failures.append(f"the reply mentions {needle!r}")
    return failures
