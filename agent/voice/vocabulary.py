"""This homelab's own words (containers, domains), to bias Whisper toward their spelling."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from agent.router.types import Inventory

Bias = Literal["prompt", "hotwords", "both", "none"]
# Whisper reads at most 223 prompt tokens; a homelab's names fit well below this many words.
MAX_WORDS = 60
COMMAND_WORDS = "Restart, start, stop, logs, status of the containers "
# Names Docker generates (compose replicas' "-1", hashes) say nothing a person speaks.
_NOISE = re.compile(r"^[0-9a-f]{12,}$|^\d+$")


class Vocabulary(BaseModel):
    """Words a person may say that a general English model does not know."""

    words: list[str] = []

    def prompt(self) -> str | None:
        """The words as an `initial_prompt`: the text Whisper takes as said just before."""
        if not self.words:
            return None
        # The commands' own verbs lead: with names alone Whisper bent verbs toward the names
        # ("restart home assistant" -> "This is Tarte Homelab command"); measured in
        # scripts/bench_voice.py.
        return COMMAND_WORDS + ", ".join(self.words) + "."

    def hotwords(self) -> str | None:
        """The words as faster-whisper `hotwords`."""
        return " ".join(self.words) or None


def _spoken_forms(name: str) -> list[str]:
    """A container name and its parts: 'immich-server-1' -> immich-server-1, immich, server."""
    parts = [p for p in re.split(r"[-_.]", name) if p and not _NOISE.match(p)]
    return [name, *parts] if len(parts) > 1 else [name]


def vocabulary(inventory: Inventory, zones: list[str] | None = None) -> Vocabulary:
    """The container names (and their parts) of the live inventory, then the DNS zones."""
    seen: dict[str, None] = {}
    for container in inventory.containers:
        for word in _spoken_forms(container.name):
            if len(word) > 1:
                seen.setdefault(word, None)
    for zone in zones or []:
        seen.setdefault(zone.strip(".").lower(), None)
    return Vocabulary(words=list(seen)[:MAX_WORDS])
