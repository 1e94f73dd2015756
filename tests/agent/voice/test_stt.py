"""Real speech (espeak-ng) through the real tiny.en model: the planned tool calls, not strings."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agent.router import Calls, route
from agent.voice import stt
from agent.voice.audio import read_file
from agent.voice.listen import hear
from agent.voice.stt import transcribe
from agent.voice.vocabulary import vocabulary
from core.errors import BadInput, NotFound
from core.settings import Settings
from tests.testbed.speech import HOMELAB, MUMBLE, SPEEDS, UTTERANCES, VOICES, Speak, backwards

# The four commands the voice feature is judged on, said by the clearest espeak-ng voice.
NAMED = UTTERANCES[:4]
Planned = list[tuple[str, dict[str, Any]]] | str


def planned(text: str) -> Planned:
    """The router's tool calls for `text` against the test homelab, or what it did instead."""
    routed = route(text, HOMELAB)
    return (
        [(c.tool, dict(c.args)) for c in routed.calls] if isinstance(routed, Calls) else routed.kind
    )


@pytest.mark.parametrize(("text", "expected"), NAMED, ids=[t for t, _ in NAMED])
async def test_a_spoken_command_plans_what_the_typed_one_does(
    stt_settings: Settings, speak: Speak, text: str, expected: Any
) -> None:
    assert planned(text) == expected  # the typed words themselves
    heard = await hear(stt_settings, read_file(speak(text, "en-gb", 130)), HOMELAB)
    assert heard.transcript.confident, heard
    assert planned(heard.transcript.text) == expected, heard.transcript.text
    assert heard.transcript.language == "en"
    assert 0 < heard.transcript.seconds < 5
    assert heard.load_seconds > 0


async def test_across_voices_and_speeds_most_commands_land_and_none_does_something_else(
    stt_settings: Settings, speak: Speak
) -> None:
    words = vocabulary(HOMELAB)
    hits, wrong = 0, []
    for text, expected in NAMED:
        for voice in VOICES:
            for speed in SPEEDS:
                heard = await transcribe(stt_settings, read_file(speak(text, voice, speed)), words)
                got = planned(heard.text)
                if not heard.confident:
                    continue  # shown back as "did you mean", nothing runs
                if got == expected:
                    hits += 1
                elif isinstance(got, list):
                    wrong.append((text, voice, speed, heard.text, got))
    total = len(NAMED) * len(VOICES) * len(SPEEDS)
    # A mishearing may ask back ("no container called 'play next'; did you mean plex?"), but
    # must never plan a different action.
    assert wrong == []
    assert hits / total >= 0.75, hits


async def test_the_vocabulary_spells_names_as_the_inventory_does(
    stt_settings: Settings, speak: Speak
) -> None:
    samples = read_file(speak("restart home assistant", "en-us", 130))
    plain = await transcribe(stt_settings, samples, None, bias="none")
    biased = await transcribe(stt_settings, samples, vocabulary(HOMELAB))
    assert "homeassistant" not in plain.text.lower()
    assert "homeassistant" in biased.text.lower()


async def test_speech_without_words_is_not_confident_and_silence_is_nothing(
    stt_settings: Settings, speak: Speak
) -> None:
    words = vocabulary(HOMELAB)
    mumble = await transcribe(stt_settings, read_file(backwards(speak(MUMBLE, "en-gb"))), words)
    assert mumble.text and not mumble.confident
    assert mumble.avg_logprob < stt.MIN_AVG_LOGPROB
    silence = await transcribe(stt_settings, np.zeros(32000, dtype=np.float32), words)
    assert silence.text == "" and not silence.confident


def test_a_looping_transcript_is_not_trusted() -> None:
    assert stt.looping("N9n, caddy, caddy, caddy.")
    assert not stt.looping("restart caddy, then show caddy logs")


async def test_the_model_loads_once_and_decoding_leaves_the_event_loop_free(
    stt_settings: Settings, speak: Speak
) -> None:
    assert stt.load_model(stt_settings) is stt.load_model(stt_settings)
    samples = read_file(speak("show me my containers", "en-us", 130))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    await transcribe(stt_settings, samples, vocabulary(HOMELAB))
    elapsed = time.perf_counter() - started
    ticker.cancel()
    # The loop kept ticking while the model decoded in a worker thread.
    assert ticks >= elapsed / 0.01 * 0.5, (ticks, elapsed)


def test_a_missing_model_or_a_tiny_clip_is_a_clear_error(
    settings: Settings, stt_model_dir: Path, tmp_path: Path
) -> None:
    missing = settings.model_copy(update={"stt_model": str(tmp_path / "nowhere")})
    with pytest.raises(NotFound, match=r"model\.bin is missing"):
        stt.load_model(missing)
    half = tmp_path / "half"
    half.mkdir()
    (half / "model.bin").symlink_to(stt_model_dir / "model.bin")
    with pytest.raises(NotFound, match=r"no tokenizer\.json"):
        stt.load_model(settings.model_copy(update={"stt_model": str(half)}))
    ok = settings.model_copy(update={"stt_model": str(stt_model_dir)})
    with pytest.raises(BadInput, match="shorter than a tenth"):
        stt.transcribe_sync(ok, np.zeros(800, dtype=np.float32))
