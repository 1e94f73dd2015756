"""Audio in the form Whisper reads: 16 kHz mono float32 in [-1, 1]."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from core.errors import BadInput

SAMPLE_RATE = 16_000
# Longer audio is not a command; it would hold the model for minutes.
MAX_SECONDS = 120.0

Samples = NDArray[np.float32]


def resample(samples: Samples, rate: int) -> Samples:
    """`samples` at `rate` Hz, resampled to 16 kHz by FFmpeg's libswresample (through PyAV)."""
    if rate <= 0:
        raise BadInput(f"the audio has an invalid sample rate ({rate} Hz)")
    if rate == SAMPLE_RATE or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    import av  # installed with faster-whisper, which decodes files with it too

    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(samples, dtype=np.float32).reshape(1, -1), format="flt", layout="mono"
    )
    frame.sample_rate = rate
    frames = resampler.resample(frame) + resampler.resample(None)  # None flushes the tail
    out: Samples = np.concatenate([f.to_ndarray().reshape(-1) for f in frames])
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def pcm16(data: bytes, rate: int, channels: int = 1) -> Samples:
    """Little-endian signed 16-bit PCM (as browsers stream it) as 16 kHz mono float32."""
    if len(data) % (2 * channels):
        data = data[: len(data) - len(data) % (2 * channels)]  # a torn last frame
    ints = np.frombuffer(data, dtype="<i2")
    samples = (ints.astype(np.float32) / 32768.0).reshape(-1, channels).mean(axis=1)
    _check_length(samples.size / rate)
    return resample(samples, rate)


def _check_length(seconds: float) -> None:
    if seconds > MAX_SECONDS:
        raise BadInput(f"the audio lasts {seconds:.0f} s; at most {MAX_SECONDS:.0f} s is accepted")


def _from_wave(data: bytes) -> Samples:
    with wave.open(io.BytesIO(data)) as w:
        width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
        frames = w.readframes(w.getnframes())
    if width == 2:
        return pcm16(frames, rate, channels)
    if width == 1:  # 8-bit WAV is unsigned
        ints = np.frombuffer(frames, dtype=np.uint8).astype(np.float32) - 128.0
        scale = 128.0
    elif width == 4:
        ints = np.frombuffer(frames, dtype="<i4").astype(np.float32)
        scale = 2147483648.0
    else:
        raise BadInput(f"{width * 8}-bit WAV is not supported (use 16-bit PCM)")
    samples = (ints / scale).reshape(-1, channels).mean(axis=1)
    _check_length(samples.size / rate)
    return resample(samples.astype(np.float32), rate)


def _from_container(data: bytes) -> Samples:
    """Any other format (float WAV, FLAC, Ogg, MP3, WebM) through FFmpeg's decoders (PyAV)."""
    from faster_whisper.audio import decode_audio

    try:
        samples = decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # PyAV raises many kinds, all meaning "not audio we can read"
        raise BadInput("the audio could not be decoded (is it a sound file?)") from exc
    _check_length(samples.size / SAMPLE_RATE)
    return np.asarray(samples, dtype=np.float32)


def decode(data: bytes) -> Samples:
    """A sound file's bytes as 16 kHz mono float32; BadInput when they are not audio."""
    if not data:
        raise BadInput("the audio is empty")
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        try:
            return _from_wave(data)
        except (wave.Error, EOFError):
            pass  # not PCM (float or compressed WAV): FFmpeg may read it
    return _from_container(data)


def read_file(path: Path) -> Samples:
    """A sound file as 16 kHz mono float32; BadInput when it is missing or not audio."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"no such audio file: {path}") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    return decode(data)
