"""`jarvis voice transcribe` and `jarvis ask --audio` as real processes, on espeak-ng speech.

The router resolves names against the live inventory, so these tests run a real container named
exactly `plex` (labelled, removed afterwards) on the test engine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from docker.models.containers import Container

from tests.testbed.cli import Cli
from tests.testbed.speech import MUMBLE, Speak, backwards


@pytest.fixture
def cli(tmp_path: Path, docker_host: str, stt_model_dir: Path) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}
    env.update(
        JARVIS_DATA_DIR=str(tmp_path / "data"),
        JARVIS_STT_MODEL=str(stt_model_dir),
        DOCKER_HOST=docker_host,
        HOME=str(tmp_path),
    )
    return Cli(env)


@pytest.mark.docker
def test_transcribe_prints_the_text_and_both_timings(
    cli: Cli, plex: Container, speak: Speak
) -> None:
    heard = cli.json("voice", "transcribe", str(speak("please restart plex", "en-gb", 130)))
    words = heard["text"].lower()
    assert "restart" in words and "plex" in words
    assert heard["language"] == "en" and heard["confident"] is True
    assert 0 < heard["seconds"] <= 3
    assert heard["load_seconds"] > 0
    human = cli("voice", "transcribe", str(speak("show me my containers", "en-gb", 130))).stdout
    assert human.startswith("Show me my containers") and "s to transcribe" in human


@pytest.mark.docker
def test_a_spoken_plan_is_the_typed_plan(cli: Cli, plex: Container, speak: Speak) -> None:
    plan = cli.json("ask", "--audio", str(speak("please restart plex", "en-gb", 130)), "--plan")
    assert [(c["name"], c["args"]) for c in plan["tool_calls"]] == [
        ("docker.restart_container", {"name": "plex"})
    ]
    assert "plex" in plan["transcript"]["text"].lower()
    listing = cli.json(
        "ask", "--audio", str(speak("show me my containers", "en-us", 130)), "--plan"
    )
    assert [c["name"] for c in listing["tool_calls"]] == ["docker.list_containers"]
    human = cli("ask", "--audio", str(speak("what's wrong", "en-gb", 130)), "--plan").stdout
    assert human.startswith("heard: ")


@pytest.mark.docker
def test_a_spoken_change_waits_for_a_person_and_runs_nothing(
    cli: Cli, plex: Container, speak: Speak
) -> None:
    started = plex.attrs["State"]["StartedAt"]
    out = cli("ask", "--audio", str(speak("please restart plex", "en-gb", 130))).stdout
    pending = cli.json("approvals", "list", "--status", "pending")
    assert [(p["tool"], p["args"]["name"]) for p in pending] == [
        ("docker.restart_container", "plex")
    ]
    # Asked by voice: a person confirms, and the card shows what was heard.
    assert pending[0]["rule"] == "builtin:voice-confirm"
    assert "plex" in pending[0]["reason"].lower()
    assert f"jarvis approvals approve {pending[0]['id']}" in out
    plex.reload()
    assert plex.attrs["State"]["StartedAt"] == started


@pytest.mark.docker
def test_an_unsure_transcript_is_shown_back_and_runs_nothing(
    cli: Cli, plex: Container, speak: Speak
) -> None:
    mumble = str(backwards(speak(MUMBLE, "en-gb")))
    proc = cli("ask", "--audio", mumble, code=1)
    assert proc.stdout.startswith("did you mean: ") and "Nothing was run" in proc.stdout
    answer = cli.json("ask", "--audio", mumble, code=1)
    assert answer["ran"] is False and answer["transcript"]["confident"] is False
    assert cli.json("approvals", "list") == []


def test_bad_input_is_a_reason_not_a_traceback(cli: Cli, tmp_path: Path, speak: Speak) -> None:
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("restart plex")
    proc = cli("voice", "transcribe", str(not_audio), code=2)
    assert proc.stderr.startswith("error: the audio could not be decoded")
    proc = cli("ask", "restart plex", "--audio", str(not_audio), code=2)
    assert "either what to ask or --audio" in proc.stderr
    proc = cli("voice", "transcribe", str(tmp_path / "missing.wav"), code=2)
    assert "no such audio file" in proc.stderr
    cli.env["JARVIS_STT_MODEL"] = str(tmp_path / "no-model")
    proc = cli("voice", "transcribe", str(speak("what's wrong")), code=1)
    assert "model.bin is missing" in proc.stderr and "Traceback" not in proc.stderr
