"""ha.*: Home Assistant's entities (list, read) and service calls (lights, switches, locks ...)."""

from __future__ import annotations

from core.errors import NothingToDo
from tools.deps import ToolDeps
from tools.homeassistant.client import HomeAssistant, State
from tools.homeassistant.kind import KIND
from tools.homeassistant.models import (
    EntitiesResult,
    Entity,
    EntityArgs,
    EntityResult,
    HouseArgs,
    ListArgs,
    SecurityArgs,
    ServiceArgs,
    ServiceResult,
)
from tools.registry import ToolFamily

family = ToolFamily("ha")

# What a service leaves an entity in, when that is plain (for "nothing to do" and previews).
TARGET_STATE = {
    "turn_on": "on",
    "turn_off": "off",
    "lock": "locked",
    "unlock": "unlocked",
    "open_cover": "open",
    "close_cover": "closed",
}


def matches(state: State, words: list[str]) -> bool:
    """Every word appears in the entity's id or its name (an area, a room, a device)."""
    hay = f"{state.entity_id} {state.friendly_name}".lower().replace("_", " ")
    return all(w in hay for w in words)


@family.tool(
    "list_entities",
    risk="read",
    resource="ha:*",
    description="List Home Assistant entities with their state, unit and name; filter by "
    "domain (light, sensor ...) or by words in the name (an area or room).",
)
async def list_entities(args: ListArgs, deps: ToolDeps) -> EntitiesResult:
    """`GET /api/states`, filtered here."""
    view = await deps.integrations.find(KIND, args.integration)
    async with deps.integrations.open(KIND, view.name) as ha:
        states = await ha.states()
    words = (args.text or "").lower().replace("_", " ").split()
    picked = [
        s for s in states if (args.domain is None or s.domain == args.domain) and matches(s, words)
    ]
    picked.sort(key=lambda s: s.entity_id)
    return EntitiesResult(
        integration=view.name, entities=[Entity.of(s) for s in picked], total=len(states)
    )


@family.tool(
    "get_entity",
    risk="read",
    resource="ha:{entity_id}",
    description="Read one Home Assistant entity: its state (a sensor's value with its unit), "
    "name and when it last changed.",
)
async def get_entity(args: EntityArgs, deps: ToolDeps) -> EntityResult:
    """`GET /api/states/<entity_id>`."""
    view = await deps.integrations.find(KIND, args.integration)
    async with deps.integrations.open(KIND, view.name) as ha:
        state = await ha.state(args.entity_id)
    return EntityResult(integration=view.name, entity=Entity.of(state))


def said(args: ServiceArgs) -> str:
    """The call as a person says it: "Turn on light.kitchen", "Unlock lock.front_door"."""
    words = args.service.split("_")
    # The domain (or "alarm") repeated in a service's name adds nothing the entity id does not
    # say: open_cover on cover.garage is "Open cover.garage".
    words = [w for w in words if w not in (args.domain, "alarm")] or words
    text = f"{' '.join(words).capitalize()} {args.entity_id}"
    if args.brightness_pct is not None:
        text += f" at {args.brightness_pct}%"
    if args.temperature is not None:
        text += f" to {args.temperature:g}°"
    if args.hvac_mode:
        text += f" ({args.hvac_mode})"
    return text


async def _current(args: ServiceArgs, deps: ToolDeps) -> State:
    async with deps.integrations.open(KIND, args.integration) as ha:
        return await ha.state(args.entity_id)


def _settings_given(args: ServiceArgs) -> bool:
    return len(args.data()) > 1


async def _precheck(args: ServiceArgs, deps: ToolDeps) -> None:
    """A known entity; a plain on/off/lock to the state it is already in is nothing to do."""
    state = await _current(args, deps)
    target = TARGET_STATE.get(args.service)
    if target == state.state and not _settings_given(args):
        raise NothingToDo(f"{args.entity_id} ({state.friendly_name}) is already {target}")


async def _preview(args: ServiceArgs, deps: ToolDeps) -> str:
    state = await _current(args, deps)
    after = TARGET_STATE.get(args.service)
    change = f"; it would be {after}" if after else ""
    extra = {k: v for k, v in args.data().items() if k != "entity_id"}
    settings = f" with {extra}" if extra else ""
    return (
        f"{args.domain}.{args.service}{settings} on {args.entity_id} "
        f"({state.friendly_name}), now {state.state}{change}"
    )


async def _call(args: ServiceArgs, deps: ToolDeps) -> ServiceResult:
    view = await deps.integrations.find(KIND, args.integration)
    async with deps.integrations.open(KIND, view.name) as ha:
        before = await ha.state(args.entity_id)
        changed = await ha.call_service(args.domain, args.service, args.data())
        after = await _after(ha, args.entity_id, changed)
    return ServiceResult(
        integration=view.name,
        service=f"{args.domain}.{args.service}",
        entity_id=args.entity_id,
        before=before.state,
        after=after.state,
        changed=[Entity.of(s) for s in changed],
    )


async def _after(ha: HomeAssistant, entity_id: str, changed: list[State]) -> State:
    for state in changed:
        if state.entity_id == entity_id:
            return state
    # Not in the reply (some integrations report later): read it again.
    return await ha.state(entity_id)


@family.tool(
    "call_service",
    risk="write",
    resource="ha:{entity_id}",
    description="Call a Home Assistant service on one entity: turn a light or switch on/off or "
    "toggle it (brightness_pct), activate a scene, set a thermostat (temperature, hvac_mode), "
    "open or close a cover. Locks and alarms take ha.call_security_service.",
    precheck=_precheck,
    preview=_preview,
    headline=said,
)
async def call_service(args: HouseArgs, deps: ToolDeps) -> ServiceResult:
    """`POST /api/services/<domain>/<service>` with the entity."""
    return await _call(args, deps)


@family.tool(
    "call_security_service",
    risk="destructive",
    resource="ha:{entity_id}",
    description="Lock or unlock a Home Assistant lock, or arm or disarm an alarm panel "
    "(domains lock and alarm_control_panel only).",
    precheck=_precheck,
    preview=_preview,
    headline=said,
)
async def call_security_service(args: SecurityArgs, deps: ToolDeps) -> ServiceResult:
    """The same call, for the domains that guard the house (always needs a person's yes)."""
    return await _call(args, deps)
