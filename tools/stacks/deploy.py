"""The stacks tools that change things: deploy (health-gated, rolled back when it fails) and
rollback; both run the durable workflow in tools/workflows/stack_deploy.py."""

from __future__ import annotations

from core.errors import ChangeFailed, Conflict, NothingToDo, NotReady
from tools.deps import ToolDeps
from tools.stacks import repo
from tools.stacks.tools import family, pull_diff, real_stack
from tools.stacks.views import DeployArgs, DeployResult, RollbackArgs
from tools.workflows.stack_deploy import AfterStep, drive_stack, short
from tools.workflows.stack_journal import Journal, Records

SHOWN_COMMITS = 20
SHOWN_LOG_LINES = 5


def _records(deps: ToolDeps) -> Records:
    return Records(deps.settings.data_dir)


def unfinished(deps: ToolDeps, name: str) -> Journal | None:
    """A deploy of the stack that a stopped process left under way."""
    journal = _records(deps).journal(name)
    return journal if journal is not None and journal.status == "running" else None


async def _resolve(deps: ToolDeps, stack: repo.Stack, commit: str | None) -> tuple[str, str]:
    """(current commit, target) of a deploy; Conflict for a checkout that cannot fast-forward."""
    st = await repo.state(deps, stack)
    if st.dirty_files:
        files = ", ".join(st.dirty_files[:5])
        raise Conflict(f"{stack.name} has files changed by hand ({files}); nothing was changed")
    if st.diverged:
        raise Conflict(
            f"{stack.name} has diverged from {st.upstream} (ahead {st.ahead}, behind "
            f"{st.behind}); a fast-forward is impossible and nothing was changed"
        )
    target = commit
    if target is None:
        if st.upstream_commit is None:
            raise NotReady(f"{stack.name}'s branch has no remote branch to deploy from")
        target = st.upstream_commit
    else:
        found = await repo.git(
            deps, stack, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", check=False
        )
        if not found.ok:
            raise NotReady(f"{stack.name} has no commit {commit}")
        target = found.stdout.strip()
    if target == st.commit:
        raise NothingToDo(f"{stack.name} is at {short(target)} already ({st.words()})")
    if not await repo.is_ancestor(deps, stack, st.commit, target):
        raise Conflict(
            f"{short(target)} is not ahead of {stack.name}'s {short(st.commit)}: a deploy only "
            "fast-forwards (stacks.rollback goes back); nothing was changed"
        )
    return st.commit, target


async def _deploy_precheck(args: DeployArgs, deps: ToolDeps) -> None:
    stack = repo.get_stack(deps, args.name)
    if unfinished(deps, stack.name) is None:
        await _resolve(deps, stack, args.commit)


async def _deploy_preview(args: DeployArgs, deps: ToolDeps) -> str | None:
    stack = repo.get_stack(deps, args.name)
    journal = unfinished(deps, stack.name)
    if journal is not None:
        return f"Finish the interrupted {journal.kind} of {stack.name} to {short(journal.target)}."
    diff = await pull_diff(deps, stack, args.commit)
    lines = [f"Deploy {stack.name}: {short(diff.commit)} -> {short(diff.upstream_commit or '')}"]
    lines.append(f"{len(diff.commits)} new commit(s):")
    for c in diff.commits[:SHOWN_COMMITS]:
        lines.append(f"  {short(c.sha)} {c.subject} ({c.author})")
    if len(diff.commits) > SHOWN_COMMITS:
        lines.append(f"  ... and {len(diff.commits) - SHOWN_COMMITS} more")
    lines.append(f"Compose file ({stack.compose_file.name}):")
    lines.append(diff.compose_diff.rstrip() or "  unchanged")
    lines.append("Rolled back to the current commit if a service does not turn healthy.")
    return "\n".join(lines)


def result_of(journal: Journal, commit: str, resumed: bool) -> DeployResult:
    """The tool's answer from a finished journal; ChangeFailed when it did not deploy."""
    failing = journal.failing or {}
    result = DeployResult(
        name=journal.stack,
        outcome="deployed" if journal.status == "deployed" else journal.status,
        succeeded=journal.status == "deployed",
        message=journal.message or "",
        commit=commit,
        target=journal.target,
        last_good=journal.last_good,
        steps=list(journal.steps),
        resumed=resumed,
        failing_service=failing.get("service"),
        log_lines=list(failing.get("log_lines") or []),
    )
    if result.succeeded:
        return result
    message = result.message
    if result.log_lines:
        tail = " | ".join(result.log_lines[-SHOWN_LOG_LINES:])
        message += f". Last log lines of {result.failing_service}: {tail}"
    raise ChangeFailed(message, details=result.model_dump(mode="json"))


async def run_journal(
    deps: ToolDeps, stack: repo.Stack, journal: Journal, after_step: AfterStep | None = None
) -> DeployResult:
    """Drive a journal to its end and answer with how it ended."""
    resumed = journal.attempts > 0
    ended = await drive_stack(deps, stack, journal, after_step)
    return result_of(ended, await repo.head(deps, stack), resumed)


@family.tool(
    "deploy",
    risk="write",
    resource="stack:{name}",
    description="""
Deploy a stack: fetch, validate the new commit's compose file, fast-forward the checkout, run
`compose up -d --build`, and wait until every service (and any domain it serves) is healthy. If
one does not turn healthy in time, the stack goes back to the commit it ran before and the answer
says so with the failing service's last log lines. A checkout with local changes or diverged
from its remote is refused. An interrupted deploy of the stack is finished first.
""",
    canonical=real_stack,
    preview=_deploy_preview,
    precheck=_deploy_precheck,
)
async def deploy(args: DeployArgs, deps: ToolDeps) -> DeployResult:
    """Health-gated deploy of a stack to its remote branch (or a given commit)."""
    stack = repo.get_stack(deps, args.name)
    journal = unfinished(deps, stack.name)
    if journal is None:
        current, target = await _resolve(deps, stack, args.commit)
        journal = Journal(stack=stack.name, kind="deploy", target=target, last_good=current)
    return await run_journal(deps, stack, journal)


async def _rollback_target(
    deps: ToolDeps, stack: repo.Stack, commit: str | None
) -> tuple[str, str]:
    st = await repo.state(deps, stack, refresh=False)
    if st.dirty_files:
        raise Conflict(f"{stack.name} has files changed by hand; nothing was changed")
    if commit is not None:
        found = await repo.git(
            deps, stack, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", check=False
        )
        if not found.ok:
            raise NotReady(f"{stack.name} has no commit {commit}")
        target = found.stdout.strip()
    else:
        healthy = [c for c in _records(deps).history(stack.name).healthy if c != st.commit]
        if not healthy:
            raise NotReady(f"no earlier healthy commit of {stack.name} is known; name the commit")
        target = healthy[-1]
    if target == st.commit:
        raise NothingToDo(f"{stack.name} is at {short(target)} already")
    return st.commit, target


async def _rollback_precheck(args: RollbackArgs, deps: ToolDeps) -> None:
    stack = repo.get_stack(deps, args.name)
    if unfinished(deps, stack.name) is None:
        await _rollback_target(deps, stack, args.commit)


async def _rollback_preview(args: RollbackArgs, deps: ToolDeps) -> str | None:
    stack = repo.get_stack(deps, args.name)
    current, target = await _rollback_target(deps, stack, args.commit)
    undone = await repo.commits_between(deps, stack, target, current)
    lines = [f"Roll {stack.name} back: {short(current)} -> {short(target)}"]
    lines += [f"  undoes {short(c.sha)} {c.subject}" for c in undone[:SHOWN_COMMITS]]
    lines.append(f"Compose file ({stack.compose_file.name}):")
    lines.append((await repo.compose_diff(deps, stack, current, target)).rstrip() or "  unchanged")
    return "\n".join(lines)


@family.tool(
    "rollback",
    risk="write",
    resource="stack:{name}",
    description="""
Take a stack back to its last healthy commit (or a given one): check it out, `compose up -d`,
and wait until every service is healthy; if it does not turn healthy, it returns to where it
was. Background deploys leave the commit it left alone until a newer one arrives.
""",
    canonical=real_stack,
    preview=_rollback_preview,
    precheck=_rollback_precheck,
)
async def rollback(args: RollbackArgs, deps: ToolDeps) -> DeployResult:
    """Move a stack back to an earlier commit, health-gated."""
    stack = repo.get_stack(deps, args.name)
    journal = unfinished(deps, stack.name)
    if journal is None:
        current, target = await _rollback_target(deps, stack, args.commit)
        journal = Journal(stack=stack.name, kind="rollback", target=target, last_good=current)
    return await run_journal(deps, stack, journal)
