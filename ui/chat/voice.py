"""The microphone in the chat: PCM16 chunks in, the transcript shown as the person's message,
then the same turn as typed text, marked as spoken (its changes always wait for a person).

A spoken "yes, confirm" answers the one change of this conversation that an earlier spoken
request left waiting; it never confirms what the same utterance asked for.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import chainlit as cl
from rapidfuzz import fuzz

from core.errors import JarvisError
from core.logging import get_logger
from policies.outcome import ApprovalView
from ui.chat import live, progress, render, turns
from ui.web.state import get_state

log = get_logger("chat.voice")
BUFFER, STARTED = "voice_pcm", "voice_started"
VOICE_RULE = "builtin:voice-confirm"
CONFIRMATIONS = ("yes confirm", "confirm", "yes i confirm", "confirmed", "yes confirmed")
# Whisper spells a short "yes, confirm" many ways ("Yes, confirmed.", "Yes. Confirm!"):
# compare without punctuation, and close enough to one of the phrases.
MIN_CONFIRM_SCORE = 85


def is_confirmation(text: str) -> bool:
    """Whether an utterance says 'yes, confirm' (fuzzily: as Whisper may spell it)."""
    plain = " ".join(re.findall(r"[a-z']+", text.lower()))
    return any(fuzz.ratio(plain, phrase) >= MIN_CONFIRM_SCORE for phrase in CONFIRMATIONS)


@cl.on_audio_start
async def on_audio_start() -> bool:
    """Accept the microphone; this utterance's audio starts empty."""
    cl.user_session.set(BUFFER, bytearray())
    cl.user_session.set(STARTED, datetime.now(UTC))
    log.info("voice_started")
    return True


@cl.on_audio_chunk
async def on_audio_chunk(chunk: cl.InputAudioChunk) -> None:
    """Keep the chunk (PCM16 mono at the configured rate) until the person stops."""
    buffer = cl.user_session.get(BUFFER)
    if chunk.isStart or buffer is None:
        buffer = bytearray()
        cl.user_session.set(BUFFER, buffer)
    buffer.extend(chunk.data)


def _sample_rate() -> int:
    from chainlit.config import config

    audio = config.features.audio
    return int(audio.sample_rate) if audio else 24000


@cl.on_audio_end
async def on_audio_end() -> None:
    """Transcribe what was said, show it, then confirm a waiting change or run it as a turn."""
    # Imported here: faster-whisper and its model load on the first utterance, not at start.
    from agent.inventory import load_inventory
    from agent.voice.audio import pcm16
    from agent.voice.listen import did_you_mean, hear

    await asyncio.sleep(0)  # chunk handlers run as tasks: let the last ones land first
    pcm = bytes(cl.user_session.get(BUFFER) or b"")
    cl.user_session.set(BUFFER, bytearray())
    log.info("voice_ended", audio_bytes=len(pcm))
    started: datetime = cl.user_session.get(STARTED) or datetime.now(UTC)
    state = get_state()
    try:
        samples = pcm16(pcm, _sample_rate())
        inventory = await load_inventory(state.runtime.deps)
        heard = (await hear(state.runtime.settings, samples, inventory)).transcript
    except JarvisError as exc:
        await cl.Message(content=f"I could not transcribe that: {exc.message}").send()
        return
    log.info("voice_heard", seconds=heard.seconds, confident=heard.confident)
    if heard.text:
        await cl.Message(content=heard.text, author="You", type="user_message").send()
    if not heard.confident:
        await cl.Message(content=did_you_mean(heard)).send()
        return
    if is_confirmation(heard.text):
        await _confirm(started)
        return
    await turns.run_turn(heard.text, spoken=True)


async def _waiting_spoken(before: datetime) -> list[ApprovalView]:
    """This thread's changes waiting on a spoken request made before `before`."""
    gate = get_state().runtime.gate
    thread_id = cl.context.session.thread_id
    rows = await gate.approvals.for_thread(thread_id, status="pending")
    views = [gate.approvals.view(row) for row in rows]
    return [v for v in views if v.rule == VOICE_RULE and _aware(v.created_at) < before]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _confirm(started: datetime) -> None:
    """Approve the single change an earlier spoken request left waiting here."""
    state = get_state()
    waiting = await _waiting_spoken(started)
    if not waiting:
        await cl.Message(content="Nothing asked by voice waits for a confirmation here.").send()
        return
    if len(waiting) > 1:
        await cl.Message(
            content=f"{len(waiting)} changes asked by voice wait here; press the card of the "
            "one you mean."
        ).send()
        return
    try:
        with progress.following():
            view = await state.runtime.gate.decide(waiting[0].id, approve=True, by=live.actor())
    except JarvisError as exc:
        await cl.Message(content=exc.message).send()
        return
    await cl.Message(content="Confirmed by voice.", elements=[render.approval_element(view)]).send()
    if state.agent is not None:
        result = await state.agent.after_decision(view)
        if result is not None:
            await render.send_result(result)
