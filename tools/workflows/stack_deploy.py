"""Deploying a stack as a durable workflow: validate, move the checkout, `up -d`, wait for
health; a stack that does not turn healthy goes back to its last good commit, verified."""

from __future__ import annotations

import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from core.errors import ChangeFailed, JarvisError
from core.logging import get_logger
from tools.deps import ToolDeps
from tools.stacks import compose as cmp
from tools.stacks import domains as served
from tools.stacks.repo import VALIDATE_DIR, Stack, git, head
from tools.workflows.runner import reason_of
from tools.workflows.stack_journal import Journal, Records

log = get_logger("workflows.stacks")
DEPLOY_STEPS = ("validate", "checkout", "up", "healthy")
ROLLBACK_STEPS = ("checkout", "up", "healthy")
UNTRACKED_MAX_BYTES = 1 << 20  # env files are small; anything larger is data, not config
# Called after each recorded step (tests stop the run there, as a kill would).
AfterStep = Callable[[Journal, str], Awaitable[None]]


class Unhealthy(ChangeFailed):
    """The stack's services did not all turn healthy in time."""


def short(sha: str) -> str:
    """A commit as people read it."""
    return sha[:12]


def _bring_untracked(checkout: Path, worktree: Path) -> None:
    """Copy the checkout's top-level files the commit does not have (an ignored `.env` with
    secrets, as compose's `env_file:` and variables read it) into the validation worktree."""
    for entry in checkout.iterdir():
        twin = worktree / entry.name
        if entry.is_symlink() or not entry.is_file() or twin.exists():
            continue
        if entry.stat().st_size <= UNTRACKED_MAX_BYTES:
            shutil.copyfile(entry, twin)


@dataclass
class Deploy:
    """One attempt at a stack's journal: runs the steps not yet done."""

    deps: ToolDeps
    stack: Stack
    records: Records
    journal: Journal
    after_step: AfterStep | None = None

    async def _done(self, step: str, record: dict[str, object]) -> None:
        self.journal.steps[step] = record
        self.records.save(self.journal)
        if self.after_step is not None:
            await self.after_step(self.journal, step)

    async def _intent(self, key: str, value: object) -> None:
        self.journal.intents[key] = value
        self.records.save(self.journal)

    async def _validate(self) -> None:
        # The new commit in a worktree inside .git: its compose file is checked with its own
        # relative paths before the checkout people run from moves at all.
        where = self.stack.path / VALIDATE_DIR
        await git(self.deps, self.stack, "worktree", "remove", "--force", VALIDATE_DIR, check=False)
        await git(self.deps, self.stack, "worktree", "prune")
        await git(
            self.deps, self.stack, "worktree", "add", "--detach", VALIDATE_DIR, self.journal.target
        )
        try:
            _bring_untracked(self.stack.path, where)
            checked = await cmp.compose(
                self.deps, self.stack, "config", "-q", folder=where, check=False
            )
        finally:
            await git(
                self.deps, self.stack, "worktree", "remove", "--force", VALIDATE_DIR, check=False
            )
        if not checked.ok:
            why = (checked.stderr or checked.stdout).strip()[-600:]
            raise ChangeFailed(
                f"the compose file of {short(self.journal.target)} is not valid: {why}"
            )
        await self._done("validate", {"valid": True})

    async def _checkout(self, target: str, how: str) -> None:
        if await head(self.deps, self.stack) != target:
            if how == "merge":
                await git(self.deps, self.stack, "merge", "--ff-only", "--quiet", target)
            else:  # only on a clean checkout (checked before): --keep refuses to lose changes
                await git(self.deps, self.stack, "reset", "--keep", "--quiet", target)

    async def _up(self) -> None:
        # --build: a service built from the checkout runs the commit's code, not the image an
        # earlier commit left (a no-op for services that only name an image).
        await cmp.compose(self.deps, self.stack, "up", "-d", "--build", "--remove-orphans")

    async def _lines(self, container: str | None) -> list[str]:
        if container is None:
            return []
        return await cmp.last_lines(self.deps, container, self.deps.settings.stacks.log_lines)

    async def _wait(self) -> list[cmp.ServiceState]:
        seconds = self.deps.settings.stacks.healthy_seconds
        deadline = time.monotonic() + seconds
        ok, states = await cmp.wait_healthy(self.deps, self.stack)
        if not ok:
            bad = cmp.failing(states)
            assert bad is not None
            lines = await self._lines(bad.containers[0] if bad.containers else None)
            self.journal.failing = {**bad.model_dump(), "log_lines": lines}
            raise Unhealthy(f"service {bad.service} is {bad.health} (within {seconds:g} s)")
        # Healthy containers are not enough when the stack serves a domain: it must answer
        # through Caddy too, within the same time limit.
        ok, verdicts = await served.wait_serving(self.deps, self.stack, deadline)
        if not ok:
            down = next(v for v in verdicts if not v.ok)
            lines = await self._lines(down.container)
            why = "; ".join(down.reasons) or down.classification
            self.journal.failing = {
                "service": down.service,
                "domain": down.fqdn,
                "health": down.classification,
                "log_lines": lines,
            }
            raise Unhealthy(
                f"domain {down.fqdn} of service {down.service} is {down.classification} "
                f"(within {seconds:g} s): {why}"
            )
        return states

    async def forward(self) -> None:
        """The steps toward the target."""
        how = "merge" if self.journal.kind == "deploy" else "reset"
        steps = DEPLOY_STEPS if self.journal.kind == "deploy" else ROLLBACK_STEPS
        for step in steps:
            if self.journal.done(step):
                continue
            if step == "validate":
                await self._validate()
            elif step == "checkout":
                await self._intent("moved", True)
                await self._checkout(self.journal.target, how)
                await self._done("checkout", {"commit": self.journal.target})
            elif step == "up":
                await self._up()
                await self._done("up", {})
            else:
                states = await self._wait()
                await self._done("healthy", {"services": [s.service for s in states]})

    async def back(self) -> tuple[bool, str]:
        """Return to the last good commit and verify it runs healthy again."""
        await self._intent("rollback", True)
        good = self.journal.last_good
        try:
            await self._checkout(good, "reset")
            failing = self.journal.failing
            await self._up()
            await self._wait()
            self.journal.failing = failing  # what failed is the new commit, not the old one
            return True, f"rolled back to {short(good)}, which is healthy again"
        except JarvisError as exc:
            return False, f"rolling back to {short(good)} did not finish: {exc.message}"


async def drive_stack(
    deps: ToolDeps, stack: Stack, journal: Journal, after_step: AfterStep | None = None
) -> Journal:
    """Run (or resume) a journal to its end: deployed, rolled back, or failed."""
    records = Records(deps.settings.data_dir)
    with records.lock(stack.name):
        journal.attempts += 1
        run = Deploy(deps, stack, records, records.save(journal), after_step)
        verb = "deploy" if journal.kind == "deploy" else "rollback"
        what = f"{verb} of {stack.name} to {short(journal.target)}"
        history = records.history(stack.name)
        if not journal.intents.get("rollback"):
            try:
                await run.forward()
            except Exception as exc:
                reason = reason_of(exc)
                log.warning("stack %s failed: %s", what, reason)
                journal.intents["reason"] = reason
                if not journal.intents.get("moved"):
                    # Nothing moved (validation failed): the stack is as it was.
                    journal.status, journal.message = "failed", f"{what} failed: {reason}"
                    return records.save(journal)
        if journal.intents.get("rollback") or "reason" in journal.intents:
            ok, how = await run.back()
            reason = journal.intents.get("reason") or "interrupted while rolling back"
            journal.status = "rolled_back" if ok else "failed"
            journal.message = f"{what} failed: {reason}; {how}"
            history.mark_held(journal.target)
            if ok:
                history.mark_healthy(journal.last_good)
        else:
            journal.status, journal.message = "deployed", f"{what}: healthy"
            history.mark_healthy(journal.target)
            if journal.kind == "rollback":
                history.mark_held(journal.last_good)  # left on purpose: not redeployed by itself
        records.save_history(stack.name, history)
        return records.save(journal)
