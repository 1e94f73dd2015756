"""Audio decoding: WAV and browser PCM16 become 16 kHz mono float32, unreadable input is refused."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from agent.voice import audio
from core.errors import BadInput


def tone(freq: float, rate: int, seconds: float, channels: int = 1) -> np.ndarray:
    """A sine as int16 samples, interleaved over `channels`."""
    t = np.arange(int(rate * seconds)) / rate
    mono = (np.sin(2 * np.pi * freq * t) * 16000).astype(np.int16)
    return np.repeat(mono, channels)


def wav_bytes(samples: np.ndarray, rate: int, channels: int = 1, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return out.getvalue()


def peak_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * audio.SAMPLE_RATE / len(samples))


@pytest.mark.parametrize("rate", [8000, 22050, 24000, 44100, 48000])
def test_a_wav_is_resampled_to_16_khz_keeping_its_pitch(rate: int) -> None:
    samples = audio.decode(wav_bytes(tone(440, rate, 1.0), rate))
    assert samples.dtype == np.float32
    assert abs(len(samples) - audio.SAMPLE_RATE) <= 32
    assert abs(peak_hz(samples) - 440) < 3
    assert 0.4 < float(np.abs(samples).max()) <= 1.0


def test_stereo_is_mixed_down_to_mono() -> None:
    samples = audio.decode(wav_bytes(tone(1000, 16000, 0.5, channels=2), 16000, channels=2))
    assert len(samples) == 8000
    assert abs(peak_hz(samples) - 1000) < 3


def test_browser_pcm16_at_24_khz_with_a_torn_last_frame() -> None:
    pcm = tone(300, 24000, 0.5).tobytes() + b"\x01"  # a chunk cut mid-sample
    samples = audio.pcm16(pcm, 24000)
    assert abs(len(samples) - 8000) <= 32
    assert abs(peak_hz(samples) - 300) < 3


def test_8_bit_wav_is_read() -> None:
    eight = ((tone(500, 16000, 0.5).astype(np.int32) >> 8) + 128).astype(np.uint8)
    samples = audio.decode(wav_bytes(eight, 16000, width=1))
    assert abs(peak_hz(samples) - 500) < 3


def test_other_formats_go_through_ffmpeg(tmp_path: Path) -> None:
    import av

    path = tmp_path / "tone.flac"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("flac", rate=48000, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            tone(440, 48000, 1.0).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = 48000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    samples = audio.read_file(path)
    assert abs(len(samples) - audio.SAMPLE_RATE) <= 400
    assert abs(peak_hz(samples) - 440) < 3


def test_what_is_not_audio_is_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="could not be decoded"):
        audio.decode(b"restart plex, please")
    with pytest.raises(BadInput, match="empty"):
        audio.decode(b"")
    with pytest.raises(BadInput, match="no such audio file"):
        audio.read_file(tmp_path / "missing.wav")
    with pytest.raises(BadInput, match="at most 120 s"):
        audio.pcm16(bytes(2 * 8000 * 121), 8000)
