"""A recording heard with this homelab's words: the transcript, and what loading the model cost."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field

from agent.router.types import Inventory
from agent.voice.audio import Samples
from agent.voice.stt import Transcript, load_model, transcribe
from agent.voice.vocabulary import vocabulary
from core.settings import Settings


class Heard(BaseModel):
    """A transcript and the model's load time (paid once per process, reported apart)."""

    transcript: Transcript
    load_seconds: float = Field(description="How long this process took to load the model.")


async def hear(settings: Settings, samples: Samples, inventory: Inventory) -> Heard:
    """Transcribe `samples`, biased toward the inventory's container names and the DNS zones."""
    model = await asyncio.to_thread(load_model, settings)
    words = vocabulary(inventory, settings.domains.zones)
    transcript = await transcribe(settings, samples, words)
    return Heard(transcript=transcript, load_seconds=round(model.load_seconds, 3))


def did_you_mean(transcript: Transcript) -> str:
    """What a front end says back for a transcript too unsure to act on; nothing runs."""
    if not transcript.text:
        return "I did not catch that; nothing was run. Please say it again."
    return (
        f"did you mean: {transcript.text.rstrip('.!?')}? Nothing was run; say it again or type it."
    )
