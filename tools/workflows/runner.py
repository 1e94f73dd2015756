"""Running a domain task step by step: each step recorded once, failures rolled back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from core.errors import JarvisError
from core.logging import get_logger
from core.text import headline
from memory.db import Database
from memory.domain_models import (
    DomainStatus,
    EventCategory,
    EventLevel,
    TaskStatus,
)
from memory.domains import (
    Domain,
    DomainChanges,
    Event,
    NewEvent,
    Task,
    add_event,
    complete_step,
    get_domain,
    update_domain,
    update_task,
)
from memory.tasks import last_task_event
from tools.workflows.domain_env import DomainEnv

log = get_logger("workflows.domains")
OnEvent = Callable[[Event], Awaitable[None]]
# Where progress goes when the caller (a chat session) cannot pass a callback through the
# tool call that runs the workflow; set per task, so concurrent sessions do not mix.
PROGRESS: ContextVar[OnEvent | None] = ContextVar("jarvis_domain_progress", default=None)
StepFn = Callable[["Run"], Awaitable[None]]
RollbackFn = Callable[["Run"], Awaitable[tuple[list[str], list[str]]]]
INTENT = "intent"


class StepFailed(JarvisError):
    """A workflow step could not do its work; the message says why."""

    kind = "step_failed"


def reason_of(exc: BaseException) -> str:
    """A person-readable reason for an exception (typed errors carry their own)."""
    if isinstance(exc, JarvisError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"


@dataclass
class Run:
    """One attempt at a task: the task as last written, its domain, and where events go."""

    db: Database
    env: DomainEnv
    task: Task
    domain: Domain
    on_event: OnEvent | None = None
    # Values steps hand to later steps within one attempt (re-derived on resume).
    scratch: dict[str, Any] = field(default_factory=dict)

    @property
    def fqdn(self) -> str:
        """The domain's name."""
        return self.domain.fqdn

    async def _tell(self, event: Event) -> None:
        if self.on_event is not None:
            try:
                await self.on_event(event)
            except Exception as exc:  # a broken listener must not break the workflow
                log.warning("domain event listener failed: %s", reason_of(exc))

    async def event(
        self,
        category: EventCategory,
        message: str,
        *,
        level: EventLevel = EventLevel.INFO,
        data: dict[str, Any] | None = None,
    ) -> Event:
        """Append an event to the domain's history (tied to this task) and pass it on."""
        new = NewEvent(
            category=category, message=message, level=level, data=data, task_id=self.task.id
        )
        stored = await add_event(self.db, self.domain.id, new)
        await self._tell(stored)
        return stored

    async def begin(self, step: str) -> None:
        """Mark `step` as the one under way (and that this runner is alive)."""
        self.task = await update_task(
            self.db,
            self.task.id,
            expected_version=self.task.version,
            current_step=step,
            heartbeat=True,
        )

    async def done(
        self,
        step: str,
        record: dict[str, Any],
        category: EventCategory,
        message: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Record `step` done with its side effects and its event, in one transaction."""
        event = NewEvent(category=category, message=message, data=data)
        self.task = await complete_step(
            self.db,
            self.task.id,
            step,
            expected_version=self.task.version,
            record=record,
            event=event,
        )
        await self._tell(await last_task_event(self.db, self.task.id))
        if self.env.after_step is not None:
            await self.env.after_step(self.task, step)

    def intent(self, key: str) -> Any:
        """What a step wrote down before its side effect (None when it never started it)."""
        return ((self.task.result or {}).get(INTENT) or {}).get(key)

    async def write_intent(self, key: str, value: Any) -> None:
        """Write down, before a side effect, what is needed to undo it should we die midway."""
        result = dict(self.task.result or {})
        intents = dict(result.get(INTENT) or {})
        intents[key] = value
        result[INTENT] = intents
        self.task = await update_task(
            self.db, self.task.id, expected_version=self.task.version, result=result
        )

    async def set_domain(self, **changes: Any) -> None:
        """Change fields of the domain row."""
        self.domain = await update_domain(self.db, self.domain.id, DomainChanges(**changes))


@dataclass(frozen=True)
class Flow:
    """A kind of task: its steps in order, what each does, and how to undo a failed run."""

    verb: str  # "provisioning", for messages
    steps: tuple[str, ...]
    funcs: dict[str, StepFn]
    rollback: RollbackFn
    running_status: DomainStatus | None
    failed_status: DomainStatus | None  # None: put the domain back as it was


async def drive(
    db: Database, env: DomainEnv, task: Task, flow: Flow, on_event: OnEvent | None
) -> Task:
    """Run the steps not yet done; on failure roll back and record why. Returns the task."""
    on_event = on_event or PROGRESS.get()
    domain = await get_domain(db, task.domain_id)
    before = domain.status
    task = await update_task(
        db,
        task.id,
        expected_version=task.version,
        status=TaskStatus.RUNNING,
        new_attempt=True,
        heartbeat=True,
    )
    run = Run(db, env, task, domain, on_event)
    done = [s for s in flow.steps if task.step_done(s)]
    resumed = f", resuming after {len(done)} done steps" if done else ""
    await run.event(
        EventCategory.WORKFLOW,
        f"{flow.verb} {domain.fqdn} (task {task.id}, attempt {task.attempts}{resumed})",
        data={"task_id": task.id, "attempt": task.attempts, "skipped": done},
    )
    if flow.running_status is not None:
        await run.set_domain(status=flow.running_status)
    step = flow.steps[0]
    try:
        for number, step in enumerate(flow.steps, start=1):
            if run.task.step_done(step):
                continue
            await run.begin(step)
            log.info("%s %s: step %d %s", flow.verb, domain.fqdn, number, step)
            await flow.funcs[step](run)
    except Exception as exc:
        return await _fail(run, flow, step, exc, before)
    result = {k: v for k, v in (run.task.result or {}).items() if k != INTENT}
    result["outcome"] = "succeeded"
    run.task = await update_task(
        db,
        task.id,
        expected_version=run.task.version,
        status=TaskStatus.SUCCEEDED,
        result=result,
    )
    await run.event(EventCategory.WORKFLOW, f"{flow.verb} {domain.fqdn} finished")
    return run.task


async def _fail(run: Run, flow: Flow, step: str, exc: Exception, before: DomainStatus) -> Task:
    number = flow.steps.index(step) + 1
    reason = reason_of(exc)
    log.warning("%s %s failed at %s: %s", flow.verb, run.fqdn, step, reason)
    await run.event(
        EventCategory.WORKFLOW,
        f"step {number} ({step}) failed: {reason}",
        level=EventLevel.ERROR,
        data={"step": step, "reason": reason},
    )
    undone, problems = await flow.rollback(run)
    message = f"{flow.verb} {run.fqdn} failed at step {number} ({step}): {reason}"
    if undone:
        message += "; rolled back: " + "; ".join(undone)
    if problems:
        message += "; rollback incomplete: " + "; ".join(problems)
    status = TaskStatus.ROLLED_BACK if undone and not problems else TaskStatus.FAILED
    # One sentence for people; the full message (every undo, every problem) stays the error.
    label = step.replace("_", " ")
    ended = " and was rolled back" if status == TaskStatus.ROLLED_BACK else ""
    if problems:
        ended = " and its rollback did not finish"
    summary = f"{flow.verb.capitalize()} {run.fqdn} failed at step {number} ({label}){ended}: "
    summary += headline(reason) + "."
    await run.event(
        EventCategory.WORKFLOW,
        message,
        level=EventLevel.ERROR if problems else EventLevel.WARNING,
        data={"undone": undone, "problems": problems, "status": status.value},
    )
    result = dict(run.task.result or {})
    result.update(
        {"outcome": status.value, "failed_step": step, "undone": undone, "summary": summary}
    )
    run.task = await update_task(
        run.db,
        run.task.id,
        expected_version=run.task.version,
        status=status,
        error=message,
        result=result,
    )
    # A rollback that could not finish leaves the domain half-changed: say so, explicitly.
    after = DomainStatus.FAILED if problems else (flow.failed_status or before)
    await run.set_domain(status=after)
    return run.task
