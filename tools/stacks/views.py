"""Arguments and results of the stacks tools."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from tools.registry import ToolArgs, ToolResult
from tools.stacks.compose import ServiceState
from tools.stacks.repo import NAME_PATTERN, Commit

StackName = Annotated[str, StringConstraints(pattern=f"^{NAME_PATTERN}$")]
CommitId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{7,40}$")]


class StackArgs(ToolArgs):
    """Which stack."""

    name: StackName = Field(description="The stack: its folder's name under the stacks root.")


class ListStacksArgs(ToolArgs):
    """Nothing to choose: every stack is listed."""


class StackView(ToolResult):
    """A stack: where its checkout stands and how its services run."""

    name: str
    folder: str
    compose_file: str
    project: str
    status: Literal["running", "partial", "stopped"]
    services: list[ServiceState]
    branch: str | None
    commit: str
    upstream: str | None
    ahead: int
    behind: int
    diverged: bool
    dirty_files: list[str]
    git_status: str = Field(description='"behind 2", "ahead 1", "diverged", "dirty", "up to date"')
    fetch_error: str | None = None
    last_deploy: str | None = Field(default=None, description="How the last deploy ended.")


class ListStacksResult(ToolResult):
    """The stacks under the stacks root."""

    root: str
    stacks: list[StackView]

    def is_empty(self) -> bool:
        """No stack found."""
        return not self.stacks


class GitStatusResult(ToolResult):
    """Where a stack's checkout stands against its remote, in words and fields."""

    name: str
    status: str
    branch: str | None
    commit: str
    upstream: str | None
    upstream_commit: str | None
    ahead: int
    behind: int
    diverged: bool
    dirty: bool
    dirty_files: list[str]
    fetch_error: str | None = None


class DiffResult(ToolResult):
    """What a pull would bring: its commits, the files they change, the compose file's diff."""

    name: str
    commit: str
    upstream_commit: str | None
    commits: list[Commit]
    files: list[str]
    compose_diff: str

    def is_empty(self) -> bool:
        """A pull would bring nothing."""
        return not self.commits


class LogsArgs(StackArgs):
    """Which stack's logs, of which service, how many lines."""

    service: Annotated[str, StringConstraints(pattern=f"^{NAME_PATTERN}$")] | None = Field(
        default=None, description="Only this service (default: every one)."
    )
    lines: int = Field(default=50, ge=1, le=1000, description="Last lines per service.")


class ServiceLogs(ToolResult):
    """The last lines of one service's container."""

    service: str
    container: str | None
    lines: list[str]


class LogsResult(ToolResult):
    """The last log lines of a stack's services (what the programs wrote: untrusted)."""

    name: str
    services: list[ServiceLogs]


class DeployArgs(StackArgs):
    """Which stack to deploy, and to which commit."""

    commit: CommitId | None = Field(
        default=None, description="A commit to move to (default: the remote branch's newest)."
    )


class RollbackArgs(StackArgs):
    """Which stack to take back, and to which commit."""

    commit: CommitId | None = Field(
        default=None, description="The commit to go back to (default: the last healthy one)."
    )


class DeployResult(ToolResult):
    """How a deploy or rollback ended."""

    name: str
    outcome: Literal["deployed", "rolled_back", "failed"]
    succeeded: bool
    message: str
    commit: str = Field(description="The commit checked out now.")
    target: str
    last_good: str
    steps: list[str]
    resumed: bool = False
    failing_service: str | None = None
    log_lines: list[str] = []
