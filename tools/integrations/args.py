"""The argument every integration tool takes (which integration) and its two hooks.

A family's args subclass `IntegrationArgs` and name their kind in the field:
`integration: str | None = integration_field(KIND)`. `named(KIND)` is the canonical hook that
fills the name in; `configured(KIND)` the precheck that refuses a change on an integration that
is not configured.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import Field

from core.errors import NotReady
from tools.deps import ToolDeps
from tools.integrations.kinds import Kind
from tools.registry import ToolArgs

NAME_MAX = 63  # an integration's name is a DNS label


def integration_field(kind: Kind[Any] | None = None) -> Any:
    """The optional `integration` argument; its description names the kind the model picks."""
    what = f"the {kind.title} integration" if kind else "the integration"
    return Field(
        default=None,
        max_length=NAME_MAX,
        description=f"The name of {what}; omit it when only one is configured.",
    )


class IntegrationArgs(ToolArgs):
    """Which configured integration of the tool's kind (the only one when omitted)."""

    integration: str | None = integration_field()


A = TypeVar("A", bound=IntegrationArgs)


def named(kind: Kind[Any]) -> Callable[[A, ToolDeps], Awaitable[A]]:
    """The canonical hook: the integration's name filled in, for the policy and the audit log."""

    async def fill(args: A, deps: ToolDeps) -> A:
        try:
            view = await deps.integrations.find(kind, args.integration)
        except NotReady:
            return args  # the call itself says what to configure
        return args.model_copy(update={"integration": view.name})

    return fill


def configured(kind: Kind[Any]) -> Callable[[IntegrationArgs, ToolDeps], Awaitable[None]]:
    """The precheck: nobody is asked to approve a change on an integration not configured."""

    async def check(args: IntegrationArgs, deps: ToolDeps) -> None:
        await deps.integrations.find(kind, args.integration)

    return check
