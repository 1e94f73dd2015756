"""Home Assistant's REST API (developers.home-assistant.io/docs/api/rest): states and services."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from core.errors import NotFound
from tools.integrations.client import ApiClient

ENTITY_RE = re.compile(r"[a-z0-9_]+\.[a-z0-9_]+")
SLUG_RE = re.compile(r"[a-z0-9_]+")


class State(BaseModel):
    """One entity's state object as the API documents it."""

    model_config = ConfigDict(extra="ignore")

    entity_id: str
    state: str
    attributes: dict[str, Any] = {}
    last_changed: str | None = None
    last_updated: str | None = None

    @property
    def domain(self) -> str:
        """The part before the dot: light, switch, sensor ..."""
        return self.entity_id.partition(".")[0]

    @property
    def friendly_name(self) -> str:
        """The name people gave it, else the id."""
        name = self.attributes.get("friendly_name")
        return name if isinstance(name, str) and name.strip() else self.entity_id

    @property
    def unit(self) -> str | None:
        """The unit of a measurement (°C, %, W ...), if any."""
        unit = self.attributes.get("unit_of_measurement")
        return unit if isinstance(unit, str) else None


class HomeAssistant(ApiClient):
    """A Home Assistant instance, signed in with a long-lived access token."""

    async def probe(self) -> str:
        """`GET /api/` (documented answer: {"message": "API running."}) and the version."""
        body = await self.json("GET", "/api/")
        if not isinstance(body, dict) or not isinstance(body.get("message"), str):
            raise self.bad_reply("/api/", 'something other than {"message": ...}')
        config = await self.json("GET", "/api/config")
        version = config.get("version") if isinstance(config, dict) else None
        return f"Home Assistant {version}" if isinstance(version, str) else body["message"]

    async def states(self) -> list[State]:
        """Every entity's state (`GET /api/states`)."""
        body = await self.json("GET", "/api/states")
        if not isinstance(body, list):
            raise self.bad_reply("/api/states", "something other than a list of states")
        return [self._state(item, "/api/states") for item in body]

    async def state(self, entity_id: str) -> State:
        """One entity's state (`GET /api/states/<entity_id>`); NotFound naming the entity."""
        path = f"/api/states/{entity_id}"
        try:
            body = await self.json("GET", path)
        except NotFound:
            raise NotFound(f"{self.where} has no entity {entity_id}") from None
        return self._state(body, path)

    async def call_service(self, domain: str, service: str, data: dict[str, Any]) -> list[State]:
        """`POST /api/services/<domain>/<service>`; the states that changed while it ran."""
        path = f"/api/services/{domain}/{service}"
        try:
            body = await self.json("POST", path, json_body=data)
        except NotFound:
            raise NotFound(f"{self.where} has no service {domain}.{service}") from None
        # Newer versions may wrap the list as {"changed_states": [...]}.
        if isinstance(body, dict) and isinstance(body.get("changed_states"), list):
            body = body["changed_states"]
        if not isinstance(body, list):
            raise self.bad_reply(path, "something other than a list of changed states")
        return [self._state(item, path) for item in body]

    def _state(self, item: Any, path: str) -> State:
        try:
            return State.model_validate(item)
        except ValidationError:
            raise self.bad_reply(path, "a state object without entity_id and state") from None
