"""The microphone in real Chromium: a WAV fed through Chrome's fake capture device is
transcribed on the server, shown as the person's message, and its change waits on a card;
a later spoken "yes, confirm" answers that card (real Docker, the real tiny.en model)."""

from __future__ import annotations

import json
import re
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from docker.models.containers import Container
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.testbed.jarvis_server import JarvisServer
from tests.testbed.speech import MUMBLE, Speak, backwards
from tests.ui.e2e.conftest import CHROMIUM, FLAGS
from tests.ui.e2e.pages import signed_in_page

LEAD, TAIL = 0.5, 6.0  # seconds of silence around the words; Chrome loops the file


def padded(wav: Path, out: Path) -> Path:
    """The recording with silence before and after, so one take holds the words once."""
    with wave.open(str(wav)) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    speech = np.frombuffer(frames, dtype="<i2")
    silence = np.zeros(int(rate * LEAD), dtype="<i2"), np.zeros(int(rate * TAIL), dtype="<i2")
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.concatenate([silence[0], speech, silence[1]]).tobytes())
    return out


@pytest.fixture
def server(tmp_path: Path, docker_host: str, stt_model_dir: Path) -> JarvisServer:
    return JarvisServer(
        tmp_path,
        f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}",
        docker_host,
        extra_env={"JARVIS_STT_MODEL": str(stt_model_dir)},
    )


async def microphone(recording: Path) -> AsyncIterator[Browser]:
    """Chromium whose microphone plays `recording` (granted without a prompt)."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                *FLAGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={recording}",
            ],
        )
        try:
            yield browser
        finally:
            await browser.close()


async def speak_into(page: Page, seconds: float) -> None:
    """Press the microphone button, let it record, press it again (it is the X while on)."""
    mic = page.locator("#message-composer button").first
    await expect(mic).to_be_enabled(timeout=20_000)  # enabled once the socket is up
    await mic.click()
    await expect(page.get_by_text("Listening")).to_be_visible(timeout=15_000)
    await page.wait_for_timeout(seconds * 1000)
    await page.locator("#message-composer button").first.click()


@pytest.mark.docker
async def test_a_spoken_restart_waits_on_a_card_and_a_later_yes_confirm_runs_it(
    server: JarvisServer, plex: Container, speak: Speak, tmp_path: Path
) -> None:
    restart = padded(speak("please restart plex", "en-gb", 160), tmp_path / "restart.wav")
    confirm = padded(speak("yes, confirm", "en-gb", 130), tmp_path / "confirm.wav")
    started = plex.attrs["State"]["StartedAt"]
    server.start()
    try:
        async for browser in microphone(restart):
            # Asked from a phone-width screen.
            page = await signed_in_page(browser, server, width=375, height=800)
            await speak_into(page, LEAD + 3.5)
            said = page.locator('[data-step-type="user_message"]').last
            await expect(said).to_contain_text(re.compile("restart", re.I), timeout=60_000)
            await expect(said).to_contain_text(re.compile("plex", re.I))
            card = page.locator("[data-testid^=approve-]").last
            await expect(card).to_be_visible(timeout=30_000)
            approval_id = (await card.get_attribute("data-testid") or "").removeprefix("approve-")
            listed = server.jarvis("approvals", "list", "--status", "pending", "--json")
            [pending] = json.loads(listed.stdout)
            assert (pending["id"], pending["tool"]) == (approval_id, "docker.restart_container")
            assert pending["rule"] == "builtin:voice-confirm"
        plex.reload()
        assert plex.attrs["State"]["StartedAt"] == started

        # The same conversation, reopened where the microphone says "yes, confirm".
        async for browser in microphone(confirm):
            page = await signed_in_page(browser, server)
            await page.goto(f"{server.url}/thread/{pending['thread_id']}")
            await expect(page.get_by_test_id(f"approve-{approval_id}").last).to_be_visible(
                timeout=30_000
            )
            await speak_into(page, LEAD + 2.5)
            said = page.locator('[data-step-type="user_message"]').last
            await expect(said).to_contain_text(re.compile("confirm", re.I), timeout=60_000)
            await expect(page.get_by_text("Confirmed by voice.")).to_be_visible(timeout=30_000)
            status = page.get_by_test_id(f"approval-status-{approval_id}").last
            await expect(status).to_contain_text(re.compile("executed", re.I), timeout=30_000)
        plex.reload()
        assert plex.attrs["State"]["StartedAt"] != started
    finally:
        server.stop()


@pytest.mark.docker
async def test_speech_without_clear_words_is_shown_back_and_runs_nothing(
    server: JarvisServer, speak: Speak, tmp_path: Path
) -> None:
    mumble = padded(backwards(speak(MUMBLE, "en-gb")), tmp_path / "mumble.wav")
    server.start()
    try:
        async for browser in microphone(mumble):
            page = await signed_in_page(browser, server)
            await speak_into(page, LEAD + 3.5)
            await expect(page.get_by_text(re.compile("^did you mean: ")).last).to_be_visible(
                timeout=60_000
            )
            await expect(page.locator("[data-testid^=approve-]")).to_have_count(0)
        listed = server.jarvis("approvals", "list", "--json")
        assert json.loads(listed.stdout) == []
    finally:
        server.stop()
