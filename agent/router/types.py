"""What the router works with: the live inventory, and what routing a message produced."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator


class ContainerInfo(BaseModel):
    """One container the person may name."""

    name: str
    state: str | None = None
    project: str | None = None
    service: str | None = None
    ports: list[int] = Field(
        default=[], description="TCP ports the container exposes (its own side), lowest first."
    )


class DbServerRef(BaseModel):
    """A registered database server."""

    name: str
    engine: str


class BackupRef(BaseModel):
    """One backup Jarvis recorded of a database."""

    id: str
    created_at: datetime
    status: str
    kind: str = "manual"
    verified: str | None = None


class DbRef(BaseModel):
    """A database Jarvis knows of (it made it, or backed it up), with its backups."""

    server: str
    name: str
    backups: list[BackupRef] = Field(default=[], description="Newest first.")


class EntityRef(BaseModel):
    """A Home Assistant entity a request may name (its name is someone else's text)."""

    entity_id: str
    name: str
    state: str
    unit: str | None = None
    device_class: str | None = None
    integration: str = "homeassistant"


class Inventory(BaseModel):
    """The containers that exist right now; names are resolved only against these."""

    containers: list[ContainerInfo] = []
    complete: bool = Field(
        default=True, description="False when the list could not be read (Docker down)."
    )
    hosts: list[str] = Field(default=[], description="Other hosts registered over SSH.")
    db_servers: list[DbServerRef] = []
    databases: list[DbRef] = []
    entities: list[EntityRef] = Field(default=[], description="Home Assistant's live entities.")
    ha_status: str | None = Field(
        default=None,
        description='None: no Home Assistant configured; "ok", or why its entities are missing.',
    )

    @field_validator("containers", mode="before")
    @classmethod
    def _plain_names(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    def names(self) -> list[str]:
        """Every container name, as Docker spells it."""
        return [c.name for c in self.containers]

    def port_of(self, name: str) -> int | None:
        """The first port a container exposes, if it is known."""
        return next((c.ports[0] for c in self.containers if c.name == name and c.ports), None)

    def state_of(self, name: str) -> str | None:
        """The known state of a container (running, exited, ...), if any."""
        return next((c.state for c in self.containers if c.name == name), None)


class PlannedCall(BaseModel):
    """One tool call: the registry name and arguments valid for its args model."""

    tool: str
    args: dict[str, Any] = {}


class Calls(BaseModel):
    """The message maps onto these tool calls, in order."""

    kind: Literal["calls"] = "calls"
    calls: list[PlannedCall]


class Clarify(BaseModel):
    """A question back to the person (which container, which one of several)."""

    kind: Literal["clarify"] = "clarify"
    question: str
    options: list[str] = []
    # The request again with `{choice}` where the answer goes, to resume after the reply.
    retry: str | None = None


class NoMatch(BaseModel):
    """Nothing matched with confidence: what the router can do, with close examples."""

    kind: Literal["no_match"] = "no_match"
    help: str
    examples: list[str] = []


Routed = Annotated[Calls | Clarify | NoMatch, Field(discriminator="kind")]
