"""What a prune may remove: the kinds, the filters, and the objects pinned when it is checked."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from tools.docker.base import LabelFilter
from tools.hosts.base import HostArgs

PruneKind = Literal["containers", "images", "volumes", "networks", "build_cache"]
Until = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,5}[smh]$")]
ContainerId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{12,64}$")]
VolumeName = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
ANONYMOUS = re.compile(r"^[0-9a-f]{64}$")  # Docker names anonymous volumes by a random hex id
STOPPED = ["exited", "created", "dead"]


class PruneArgs(HostArgs):
    """What to prune and which of it."""

    what: list[PruneKind] = Field(
        min_length=1,
        description="Kinds to prune: containers (stopped), images, volumes "
        "(unused), networks (unused), build_cache.",
    )
    all_images: bool = Field(
        default=False, description="Images: every unused image, not only untagged (dangling)."
    )
    label: LabelFilter | None = Field(
        default=None, description="Only objects with this label ('key' or 'key=value')."
    )
    until: Until | None = Field(
        default=None, description="Only objects created longer ago than this, e.g. '24h'."
    )
    containers: list[ContainerId] | None = Field(
        default=None,
        description="Filled in when the call is checked: the stopped containers seen then. "
        "Only these are removed, so a container that stops after the approval is kept.",
    )
    volumes: list[VolumeName] | None = Field(
        default=None,
        description="Filled in when the call is checked: the unused anonymous volumes seen "
        "then. Only these are removed; named volumes are never pruned.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> PruneArgs:
        if len(set(self.what)) != len(self.what):
            raise ValueError("each kind may be named once in 'what'")
        if self.label and "build_cache" in self.what:
            raise ValueError("build cache has no labels: prune it in a call without 'label'")
        if self.until and "volumes" in self.what:
            raise ValueError("volumes cannot be filtered by age: prune them without 'until'")
        return self
