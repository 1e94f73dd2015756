"""Home Assistant's live entities for the router: read once per request, never guessed."""

from __future__ import annotations

import asyncio
from typing import Any

from agent.router.types import EntityRef
from core.errors import JarvisError
from core.logging import get_logger
from core.settings import Settings
from memory.db import Database, sqlite_file
from memory.vault import Vault, derive, load_key
from tools.homeassistant.client import State
from tools.homeassistant.kind import KIND
from tools.integrations.access import Integrations

log = get_logger("agent.ha_inventory")
# Every message waits for this read: a slow Home Assistant must not hold up other requests.
READ_SECONDS = 3.0


async def ha_entities(access: Integrations) -> dict[str, Any]:
    """The entities of every configured Home Assistant, as inventory fields ({} when none)."""
    try:
        views = await access.list(KIND.name)
    except JarvisError as exc:
        log.warning("ha_inventory_unavailable", error=exc.kind)
        return {}
    if not views:
        return {}
    entities: list[EntityRef] = []
    problems: list[str] = []
    for view in views:
        try:
            states = await asyncio.wait_for(_states(access, view.name), READ_SECONDS)
        except TimeoutError:
            problems.append(f"Home Assistant {view.name} did not answer within {READ_SECONDS:g} s")
            continue
        except JarvisError as exc:
            problems.append(exc.message)
            continue
        entities += [
            EntityRef(
                entity_id=s.entity_id,
                name=s.friendly_name,
                state=s.state,
                unit=s.unit,
                device_class=_text(s.attributes.get("device_class")),
                integration=view.name,
            )
            for s in states
        ]
    return {"entities": entities, "ha_status": "; ".join(problems) or "ok"}


async def _states(access: Integrations, name: str) -> list[State]:
    async with access.open(KIND, name) as ha:
        return await ha.states()


async def read_ha_entities(settings: Settings) -> dict[str, Any]:
    """The same, for a caller that built no runtime (a plan from the terminal)."""
    url = settings.resolved_database_url
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return {}  # nothing configured yet, and a plan creates nothing
    key = load_key(settings)
    db = Database(url)
    try:
        access = Integrations(db, settings, derive(key, "placeholders"), Vault(key))
        return await ha_entities(access)
    except Exception as exc:
        # No database yet, or an old one: the router then says no Home Assistant is set up.
        log.warning("ha_inventory_unavailable", error_type=type(exc).__name__)
        return {}
    finally:
        await db.close()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
