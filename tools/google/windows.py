"""Google Calendar events as policy windows: is there an event on a calendar right now?

Policy rules name calendars (`calendars: [maintenance@group.calendar.google.com]`); the
runtime hands `CalendarWindows.on` to the policy engine, which asks it only for rules that
cover the call at hand. Answers are kept a minute, so a run of calls costs one request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.errors import JarvisError
from core.logging import get_logger
from tools.deps import ToolDeps
from tools.google.kind import KIND

log = get_logger("google.windows")
# How long an answer is reused (the calendar is asked again after it).
KEEP_SECONDS = 60
PROBE_SPAN = timedelta(seconds=1)


class CalendarWindows:
    """Whether a calendar has an event now, through the configured Google integration."""

    def __init__(self, deps: ToolDeps, keep_seconds: int = KEEP_SECONDS) -> None:
        self._deps = deps
        self._keep = keep_seconds
        self._known: dict[tuple[str, int], bool] = {}

    async def on(self, name: str, now: datetime) -> bool:
        """True while `name` (`CALENDAR` or `INTEGRATION:CALENDAR`) has an event at `now`.

        A calendar that cannot be read opens no window: the rule then does not match, and
        the call falls to stricter rules (asked) rather than being let through.
        """
        slot = (name, int(now.timestamp()) // self._keep)
        if slot not in self._known:
            self._known = {k: v for k, v in self._known.items() if k[1] >= slot[1] - 1}
            self._known[slot] = await self._ask(name, now)
        return self._known[slot]

    async def _ask(self, name: str, now: datetime) -> bool:
        integration, _, calendar = name.rpartition(":")
        start, end = now.isoformat(), (now + PROBE_SPAN).isoformat()
        try:
            async with self._deps.integrations.open(KIND, integration or None) as google:
                events = await google.events(calendar, start, end, 5)
        except JarvisError as exc:
            log.warning("calendar %s opens no policy window: %s", name, exc.message)
            return False
        return any(e.get("status") != "cancelled" for e in events)
