"""A stack: a git checkout under the stacks root with a compose file; git asked through argv."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from core.errors import BadInput, ChangeFailed, NotFound, NotReady, Unreachable
from tools.deps import ToolDeps
from tools.safety.executor import CommandResult, SafeCommandExecutor
from tools.stacks.allow import STACKS_ALLOW_TREE

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}"
# Where a deploy checks out the new commit to validate it, inside the stack's own .git folder.
VALIDATE_DIR = ".git/jarvis-validate"
LOG_FORMAT = "%H%x09%an%x09%aI%x09%s"
# Git must never wait for a password prompt or an editor: there is nobody to answer.
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true", "GIT_MERGE_AUTOEDIT": "no"}


@dataclass(frozen=True)
class Stack:
    """One stack: its name (the folder's), folder, compose file and compose project."""

    name: str
    path: Path
    compose_file: Path

    @property
    def project(self) -> str:
        """The compose project name: compose's default for the folder name."""
        return project_name(self.name)


def project_name(folder: str) -> str:
    """What compose makes of a folder name: lower case, only [a-z0-9_-]."""
    return re.sub(r"[^a-z0-9_-]", "", folder.lower()).lstrip("_-") or "default"


def root_of(deps: ToolDeps) -> Path:
    """The stacks root, resolved; NotReady when it does not exist."""
    root = deps.settings.stacks_root.expanduser().resolve()
    if not root.is_dir():
        raise NotReady(f"the stacks folder {root} does not exist; set JARVIS_STACKS_ROOT")
    return root


def compose_file_in(folder: Path) -> Path | None:
    """The folder's compose file, in compose's own order of preference."""
    return next((folder / n for n in COMPOSE_FILES if (folder / n).is_file()), None)


def find_stacks(deps: ToolDeps) -> list[Stack]:
    """Every direct child of the root that is a git checkout with a compose file."""
    root = root_of(deps)
    found = []
    for child in sorted(root.iterdir()):
        if child.name.startswith(".") or not re.fullmatch(NAME_PATTERN, child.name):
            continue
        compose = compose_file_in(child)
        if child.is_dir() and (child / ".git").exists() and compose is not None:
            found.append(Stack(child.name, child, compose))
    return found


def get_stack(deps: ToolDeps, name: str) -> Stack:
    """The stack called `name`; BadInput for a name that leaves the root, NotFound if none."""
    if not re.fullmatch(NAME_PATTERN, name) or name in (".", ".."):
        raise BadInput(f"{name!r} is not a stack name (a folder name under the stacks root)")
    root = root_of(deps)
    folder = (root / name).resolve()
    if folder.parent != root:  # a symlink pointing elsewhere is not a stack of this root
        raise BadInput(f"stack {name!r} is not a folder directly under {root}")
    stacks = {s.name: s for s in find_stacks(deps)}
    if name not in stacks:
        known = ", ".join(stacks) or "none"
        raise NotFound(f"no stack {name!r} under {root} (stacks: {known})")
    return stacks[name]


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def resolve_name(deps: ToolDeps, said: str) -> str:
    """The stack someone meant: the exact folder, else the one equal ignoring case and
    punctuation ("stream-bot" for StreamBot), else the one it starts or the closest; BadInput
    when several fit, NotFound when none does."""
    names = [s.name for s in find_stacks(deps)]
    if said in names:
        return said
    want = _key(said)
    loose: list[Callable[[str], bool]] = [
        lambda n: _key(n) == want,
        lambda n: _key(n).startswith(want) or want.startswith(_key(n)),
        lambda n: bool(want) and want in _key(n),
    ]
    for pick in loose:
        fits = [n for n in names if pick(n)]
        if len(fits) == 1:
            return fits[0]
        if len(fits) > 1:
            raise BadInput(f"{said!r} could be any of these stacks: {', '.join(fits)}")
    close = difflib.get_close_matches(want, {_key(n): n for n in names}, n=1, cutoff=0.75)
    if close:
        return next(n for n in names if _key(n) == close[0])
    known = ", ".join(names) or "none"
    raise NotFound(f"no stack {said!r} under {root_of(deps)} (stacks: {known})")


def executor(deps: ToolDeps) -> SafeCommandExecutor:
    """The argv runner for git and compose: its own allow-tree, paths under the stacks root."""
    base = deps.executor
    return SafeCommandExecutor(
        timeout=deps.settings.stacks.compose_seconds,
        output_cap=deps.settings.command_output_cap_bytes,
        allow_tree=STACKS_ALLOW_TREE,
        redactor=base.redactor,
        path_roots=[root_of(deps)],
        base_env={**base.base_env, **GIT_ENV},
    )


async def git(
    deps: ToolDeps,
    stack: Stack,
    *argv: str,
    timeout: float | None = None,  # noqa: ASYNC109 - a per-call limit passed to the executor
    check: bool = True,
) -> CommandResult:
    """Run `git ARGV` in the stack's folder; ChangeFailed with git's words when it fails."""
    result = await executor(deps).run(["git", *argv], cwd=stack.path, timeout=timeout)
    if check and not result.ok:
        why = "timed out" if result.timed_out else (result.stderr or result.stdout).strip()
        raise ChangeFailed(f"git {argv[0]} in {stack.name} failed: {why[-400:]}")
    return result


class Commit(BaseModel):
    """One commit, as a pull would bring it."""

    sha: str
    author: str
    date: str
    subject: str


class GitState(BaseModel):
    """Where a checkout stands against its remote."""

    branch: str | None
    commit: str
    upstream: str | None
    upstream_commit: str | None
    ahead: int
    behind: int
    dirty_files: list[str]
    fetch_error: str | None = None

    @property
    def diverged(self) -> bool:
        """Both sides have commits the other lacks: a fast-forward cannot work."""
        return self.ahead > 0 and self.behind > 0

    def words(self) -> str:
        """Plain words: "behind 2", "ahead 1", "diverged", "dirty", or "up to date"."""
        parts = []
        if self.diverged:
            parts.append(f"diverged (ahead {self.ahead}, behind {self.behind})")
        elif self.behind:
            parts.append(f"behind {self.behind}")
        elif self.ahead:
            parts.append(f"ahead {self.ahead}")
        if self.dirty_files:
            parts.append("dirty")
        if self.upstream is None:
            parts.append("no remote branch")
        return ", ".join(parts) or "up to date"


async def head(deps: ToolDeps, stack: Stack) -> str:
    """The commit checked out."""
    return (await git(deps, stack, "rev-parse", "HEAD")).stdout.strip()


async def fetch(deps: ToolDeps, stack: Stack) -> str | None:
    """`git fetch` within the configured time; the reason when it failed, else None."""
    seconds = deps.settings.stacks.fetch_seconds
    try:
        result = await git(deps, stack, "fetch", "--quiet", timeout=seconds, check=False)
    except (BadInput, Unreachable) as exc:
        return exc.message
    if result.timed_out:
        return f"git fetch took longer than {seconds:g} s"
    if not result.ok:
        return (result.stderr or result.stdout).strip()[-300:] or "git fetch failed"
    return None


async def state(deps: ToolDeps, stack: Stack, *, refresh: bool = True) -> GitState:
    """Branch, commit, ahead/behind the upstream (after a fetch when `refresh`), dirty files."""
    fetch_error = await fetch(deps, stack) if refresh else None
    branch = (await git(deps, stack, "rev-parse", "--abbrev-ref", "HEAD")).stdout.strip()
    commit = await head(deps, stack)
    up = await git(
        deps, stack, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}", check=False
    )
    upstream = up.stdout.strip() if up.ok and up.stdout.strip() else None
    ahead = behind = 0
    upstream_commit = None
    if upstream is not None:
        upstream_commit = (await git(deps, stack, "rev-parse", "@{u}")).stdout.strip()
        counts = await git(deps, stack, "rev-list", "--left-right", "--count", "HEAD...@{u}")
        left, _, right = counts.stdout.strip().partition("\t")
        ahead, behind = int(left or 0), int(right or 0)
    # Tracked files changed by hand; untracked ones (.env, data folders) do not block a pull.
    status = await git(deps, stack, "status", "--porcelain", "--untracked-files=no")
    dirty = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    return GitState(
        branch=None if branch == "HEAD" else branch,
        commit=commit,
        upstream=upstream,
        upstream_commit=upstream_commit,
        ahead=ahead,
        behind=behind,
        dirty_files=dirty,
        fetch_error=fetch_error,
    )


async def commits_between(deps: ToolDeps, stack: Stack, old: str, new: str) -> list[Commit]:
    """Commits reachable from `new` but not `old`, newest first (at most 200)."""
    out = await git(
        deps, stack, "log", f"--format={LOG_FORMAT}", "--max-count=200", f"{old}..{new}"
    )
    commits = []
    for line in out.stdout.splitlines():
        sha, author, date, subject = ([*line.split("\t", 3), "", "", ""])[:4]
        commits.append(Commit(sha=sha, author=author, date=date, subject=subject))
    return commits


async def compose_diff(deps: ToolDeps, stack: Stack, old: str, new: str) -> str:
    """The change to the compose file between two commits (empty: unchanged)."""
    name = stack.compose_file.name
    out = await git(deps, stack, "diff", "--no-color", old, new, "--", name)
    return out.stdout


async def changed_files(deps: ToolDeps, stack: Stack, old: str, new: str) -> list[str]:
    """Files that differ between two commits."""
    out = await git(deps, stack, "diff", "--name-only", old, new)
    return [line for line in out.stdout.splitlines() if line]


async def is_ancestor(deps: ToolDeps, stack: Stack, old: str, new: str) -> bool:
    """Whether `old` is an ancestor of `new` (a fast-forward from one to the other works)."""
    out = await git(deps, stack, "merge-base", "--is-ancestor", old, new, check=False)
    return out.exit_code == 0
