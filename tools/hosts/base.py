"""What tools that can act on another host share: the host name type and the `host` argument."""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import BaseModel, Field, StringConstraints

from core.errors import BadInput
from tools.registry import ToolArgs

# Lower-case, like a short DNS label; `local` means this machine in policy rules.
HOST_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
HostName = Annotated[str, StringConstraints(pattern=HOST_NAME_PATTERN)]
LOCAL = "local"
RESERVED = frozenset({LOCAL, "localhost"})


class HostArgs(ToolArgs):
    """Arguments of a tool that can look at (or act on) another registered host."""

    host: HostName | None = Field(
        default=None,
        description="A registered host's name (see hosts.list); leave out for this machine.",
    )


def host_label(host: str | None) -> str:
    """How results name the machine: the host's name, or `local` for this one."""
    return host or LOCAL


def local_only(tool: str, host: str | None) -> None:
    """Refuse `host` for a tool that can only look at this machine."""
    if host is not None:
        raise BadInput(f"{tool} works on this machine only; leave out `host` ({host!r})")


R = TypeVar("R", bound=BaseModel)


def on_host(result: R, host: str | None) -> R:
    """`result` saying which machine it is about (its `host` field)."""
    return result.model_copy(update={"host": host_label(host)})
