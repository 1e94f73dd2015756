"""The owner's channels: one Apprise object per configured URL, so each reports for itself."""

from __future__ import annotations

import asyncio
from typing import Literal

import apprise
from pydantic import BaseModel

from core import metrics
from core.errors import BadInput
from core.logging import get_logger
from core.settings import NotifyChannel

log = get_logger("notify")
Severity = Literal["info", "warning", "critical"]
RANK = {"info": 0, "warning": 1, "critical": 2}
TYPES = {"info": apprise.NotifyType.INFO, "warning": apprise.NotifyType.WARNING}


class Delivery(BaseModel):
    """What one channel did with one message."""

    channel: str
    delivered: bool
    attempts: int
    error: str | None = None


class Channel:
    """One Apprise URL and the least severity it wants."""

    def __init__(self, config: NotifyChannel) -> None:
        self.config = config
        self.label = config.label
        self._apprise = apprise.Apprise()
        if not self._apprise.add(config.url.get_secret_value()):
            raise BadInput(
                f"notification channel {self.label} is not an Apprise URL Jarvis can use"
            )

    def wants(self, severity: Severity) -> bool:
        """Whether this channel takes messages of this severity."""
        return RANK[severity] >= RANK[self.config.min_severity]

    async def send(self, title: str, body: str, severity: Severity, retries: int) -> Delivery:
        """Send, retrying with a growing pause; a failure is reported, never raised."""
        kind = TYPES.get(severity, apprise.NotifyType.FAILURE)
        for attempt in range(1, retries + 2):
            try:
                ok = bool(
                    await self._apprise.async_notify(body=body, title=title, notify_type=kind)
                )
            except Exception as exc:  # a plugin bug must not break the run that caused it
                log.warning("notify_crashed", channel=self.label, error_type=type(exc).__name__)
                ok = False
            if ok:
                metrics.count_notification(self.label, "sent")
                return Delivery(channel=self.label, delivered=True, attempts=attempt)
            if attempt <= retries:
                await asyncio.sleep(0.5 * 2 ** (attempt - 1))
        log.warning("notify_failed", channel=self.label, attempts=retries + 1)
        metrics.count_notification(self.label, "failed")
        return Delivery(
            channel=self.label,
            delivered=False,
            attempts=retries + 1,
            error="the channel did not accept the message (see the logs)",
        )


def open_channels(configs: list[NotifyChannel]) -> list[Channel]:
    """Every configured channel; a URL Apprise does not know is an error at start-up."""
    return [Channel(c) for c in configs]
