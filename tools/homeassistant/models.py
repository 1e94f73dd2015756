"""Arguments and results of the ha.* tools; ids are checked by pattern before any call."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from tools.homeassistant.client import State
from tools.registry import ToolArgs, ToolResult

ENTITY_PATTERN = r"^[a-z0-9_]+\.[a-z0-9_]+$"
SLUG_PATTERN = r"^[a-z0-9_]+$"
NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"
# Services in these domains open doors or disarm the house: only ha.call_security_service.
SECURITY_DOMAINS = frozenset({"lock", "alarm_control_panel"})


class Target(ToolArgs):
    """Which Home Assistant (the only one configured when not named)."""

    integration: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="The integration's name, if several."
    )


class ListArgs(Target):
    """Filters for the entity list."""

    domain: str | None = Field(
        default=None, pattern=SLUG_PATTERN, description="Only this domain: light, sensor ..."
    )
    text: str | None = Field(
        default=None,
        max_length=80,
        description="Only entities whose name or id contains these words (an area, a room).",
    )


class EntityArgs(Target):
    """One entity."""

    entity_id: str = Field(
        pattern=ENTITY_PATTERN,
        description="e.g. sensor.living_room_temperature",
        examples=["sensor.living_room_temperature"],
    )


class ServiceArgs(Target):
    """A service call on one entity, with the few settings the common services take."""

    domain: str = Field(
        pattern=SLUG_PATTERN, description="light, switch, scene, climate ...", examples=["light"]
    )
    service: str = Field(
        pattern=SLUG_PATTERN, description="turn_on, turn_off, toggle ...", examples=["turn_on"]
    )
    entity_id: str = Field(
        pattern=ENTITY_PATTERN,
        description="The entity, e.g. light.kitchen",
        examples=["light.kitchen"],
    )
    brightness_pct: int | None = Field(default=None, ge=0, le=100)
    temperature: float | None = Field(default=None, ge=-50, le=100)
    hvac_mode: Literal["off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only"] | None = None

    @model_validator(mode="after")
    def _same_domain(self) -> ServiceArgs:
        if self.entity_id.partition(".")[0] != self.domain:
            raise ValueError(f"{self.entity_id} is not in the {self.domain} domain")
        return self

    def data(self) -> dict[str, Any]:
        """The JSON body Home Assistant takes."""
        extra = {
            "brightness_pct": self.brightness_pct,
            "temperature": self.temperature,
            "hvac_mode": self.hvac_mode,
        }
        return {"entity_id": self.entity_id, **{k: v for k, v in extra.items() if v is not None}}


class HouseArgs(ServiceArgs):
    """A service call outside the locks and alarms."""

    @model_validator(mode="after")
    def _not_security(self) -> HouseArgs:
        if self.domain in SECURITY_DOMAINS:
            raise ValueError(
                f"{self.domain} services open or disarm the house: use ha.call_security_service"
            )
        return self


class SecurityArgs(ServiceArgs):
    """A service call on a lock or an alarm panel."""

    domain: str = Field(
        pattern=SLUG_PATTERN, description="lock or alarm_control_panel", examples=["lock"]
    )
    service: str = Field(
        pattern=SLUG_PATTERN,
        description="lock, unlock, alarm_arm_away, alarm_disarm ...",
        examples=["unlock"],
    )
    entity_id: str = Field(
        pattern=ENTITY_PATTERN, description="e.g. lock.front_door", examples=["lock.front_door"]
    )

    @model_validator(mode="after")
    def _security(self) -> SecurityArgs:
        if self.domain not in SECURITY_DOMAINS:
            raise ValueError(f"{self.domain} is not a lock or alarm; use ha.call_service")
        return self


class Entity(ToolResult):
    """One entity: its id, the name people gave it, its state and unit."""

    entity_id: str
    name: str
    domain: str
    state: str
    unit: str | None = None
    device_class: str | None = None
    last_changed: str | None = None

    @classmethod
    def of(cls, state: State) -> Entity:
        """From Home Assistant's state object."""
        device_class = state.attributes.get("device_class")
        return cls(
            entity_id=state.entity_id,
            name=state.friendly_name,
            domain=state.domain,
            state=state.state,
            unit=state.unit,
            device_class=device_class if isinstance(device_class, str) else None,
            last_changed=state.last_changed,
        )


class EntitiesResult(ToolResult):
    """The entities that matched."""

    integration: str
    entities: list[Entity]
    total: int

    def is_empty(self) -> bool:
        """Nothing matched."""
        return not self.entities


class EntityResult(ToolResult):
    """One entity's state."""

    integration: str
    entity: Entity


class ServiceResult(ToolResult):
    """What a service call did: the entity before and after, and whatever else changed."""

    integration: str
    service: str
    entity_id: str
    before: str
    after: str
    changed: list[Entity]
