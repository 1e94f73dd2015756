"""Stacks against their git remotes: behind (a deploy would bring commits), dirty, diverged."""

from __future__ import annotations

from typing import Any

from core.errors import JarvisError, NotReady
from memory.findings import Observation, Remedy, Severity
from tools.checks.base import CheckContext, CheckFailed, CheckResult, CheckSet
from tools.stacks import repo
from tools.workflows.stack_deploy import short
from tools.workflows.stack_journal import Records

checks = CheckSet()


def resource(name: str) -> str:
    """The finding's resource, as the policy sees stacks.deploy's target."""
    return f"stack:{name}"


def _deploy(name: str, why: str) -> Remedy:
    return Remedy(tool="stacks.deploy", args={"name": name}, why=why)


async def _look(ctx: CheckContext, stack: repo.Stack, records: Records) -> Observation | None:
    if records.busy(stack.name):
        return None  # a deploy is under way: it is not out of sync, it is being synced
    journal = records.journal(stack.name)
    if journal is not None and journal.status == "running":
        why = f"finish the {journal.kind} to {short(journal.target)} a stopped process left"
        summary = f"stack {stack.name}: a {journal.kind} was interrupted and is unfinished"
        where = {"stack": stack.name, "target": journal.target, "steps": list(journal.steps)}
        remedy = _deploy(stack.name, why)
        return git_sync.observe(resource(stack.name), "warning", summary, where, remedy)
    st = await repo.state(ctx.deps, stack)
    evidence: dict[str, Any] = {
        "stack": stack.name,
        "status": st.words(),
        "branch": st.branch,
        "commit": st.commit,
        "upstream": st.upstream,
        "upstream_commit": st.upstream_commit,
        "ahead": st.ahead,
        "behind": st.behind,
        "dirty_files": st.dirty_files[:20],
        "fetch_error": st.fetch_error,
    }
    if st.diverged or st.dirty_files:
        summary = f"stack {stack.name} is {st.words()}: a deploy would be refused"
        return git_sync.observe(resource(stack.name), "warning", summary, evidence)
    if not st.behind:
        return None
    summary = f"stack {stack.name} is behind {st.upstream} by {st.behind} commit(s)"
    if st.upstream_commit in records.history(stack.name).held:
        # Its deploy failed (or a person rolled back from it): wait for a newer commit.
        summary += (
            f"; {short(st.upstream_commit or '')} was rolled back, so it waits for a newer one"
        )
        return git_sync.observe(resource(stack.name), "info", summary, evidence)
    severity: Severity = "info"
    why = f"deploy the {st.behind} new commit(s) of {stack.name}, health-gated with rollback"
    return git_sync.observe(
        resource(stack.name), severity, summary, evidence, _deploy(stack.name, why)
    )


@checks.check(
    "stacks.git_sync",
    title="Stack not in sync with its git remote",
    description="""Fetches each stack under the stacks folder (a git checkout with a compose file)
        and compares it with its remote branch: behind (new commits to deploy), diverged, or
        with files changed by hand. An interrupted deploy is reported too. No stacks folder:
        nothing to look at.""",
    severity_rule="""info when behind (the remedy deploys it, health-gated; a commit that was
        rolled back gets no remedy until a newer one arrives); warning when diverged, dirty
        (a deploy would be refused: a person decides) or a deploy was interrupted.""",
    remedy="stacks.deploy of the stack (behind, or an interrupted deploy to finish)",
)
async def git_sync(ctx: CheckContext) -> CheckResult:
    """One observation per stack that is behind, dirty, diverged or mid-deploy."""
    try:
        stacks = repo.find_stacks(ctx.deps)
    except NotReady:
        return CheckResult()  # no stacks folder: nothing to look at
    records = Records(ctx.settings.data_dir)
    found: list[Observation] = []
    for stack in stacks:
        try:
            seen = await _look(ctx, stack, records)
        except JarvisError as exc:
            raise CheckFailed(f"stack {stack.name} could not be read: {exc.message}") from None
        if seen is not None:
            found.append(seen)
    return CheckResult(observations=found)
