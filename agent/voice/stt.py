"""faster-whisper: one model per process, loaded on first use, transcribing off the event loop."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from agent.voice.audio import SAMPLE_RATE, Samples
from agent.voice.vocabulary import Bias, Vocabulary
from core.errors import BadInput, NotFound, NotReady
from core.logging import get_logger
from core.settings import Settings

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = get_logger("agent.voice")

# Below these a transcript is shown back ("did you mean ...?") and nothing runs. They are
# Whisper's own fallback thresholds: a mean token log-probability under -1.0 is where its
# decoder itself distrusts a result, and a no-speech probability over 0.6 means it heard
# mostly noise. Measured on espeak-ng speech with tiny.en: commands score -0.1 to -0.8,
# speech played backwards -1.2 to -1.4, invented words ("grubbly snorf wuzzle") about -1.0
# (beam search makes the most of them). Decoding is at temperature 0
# with no fallback, so a doubtful result is reported as such, not resampled until it passes.
MIN_AVG_LOGPROB = -1.0
MAX_NO_SPEECH_PROB = 0.6
# Also unsure: a word three times in a row, Whisper's loop on noise (see `looping`).

# Measured with scripts/bench_voice.py: see the README's Voice section.
DEFAULT_BIAS: Bias = "both"
# Beam search: 92 % planned-call accuracy against 80 % greedy, at the same latency for a short
# command on 2 cores (scripts/bench_voice.py).
BEAM_SIZE = 5


class Transcript(BaseModel):
    """What was heard, how sure Whisper is, and how long it took (model load excluded)."""

    text: str
    language: str
    seconds: float = Field(description="Transcription time, model load excluded.")
    avg_logprob: float
    no_speech_prob: float
    confident: bool = Field(description="Good enough to act on; otherwise ask 'did you mean'.")


@dataclass(frozen=True)
class _Key:
    model: str
    device: str
    compute_type: str


@dataclass
class SpeechModel:
    """A loaded Whisper model; its lock serialises decoding (one CPU, one utterance at once)."""

    whisper: WhisperModel
    load_seconds: float
    lock: threading.Lock


_models: dict[_Key, SpeechModel] = {}
_loading = threading.Lock()


def _looks_like_path(name: str) -> bool:
    return "/" in name or name.startswith(("~", "."))


def _load(key: _Key) -> SpeechModel:
    from faster_whisper import WhisperModel  # ~1 s of imports (ctranslate2, av, onnxruntime)

    # It logs every utterance's duration at INFO: noise beside our own records.
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)

    source = key.model
    if _looks_like_path(source):
        folder = Path(source).expanduser()
        if not (folder / "model.bin").is_file():
            raise NotFound(f"no CTranslate2 Whisper model in {folder} (model.bin is missing)")
        if not (folder / "tokenizer.json").is_file():
            # Without it faster-whisper fetches one from the hub, which may not be reachable.
            raise NotFound(f"the speech model in {folder} has no tokenizer.json")
        source = str(folder)
    started = time.perf_counter()
    try:
        whisper = WhisperModel(source, device=key.device, compute_type=key.compute_type)
    except Exception as exc:  # hub, CTranslate2 and CUDA errors all mean "no model here"
        reason = (str(exc).splitlines() or [""])[0][:160]
        raise NotReady(
            f"the speech model {key.model!r} could not be loaded ({type(exc).__name__}: "
            f"{reason}); set JARVIS_STT_MODEL to a model name this server can download, or to "
            "a CTranslate2 Whisper folder"
        ) from exc
    loaded = SpeechModel(whisper, time.perf_counter() - started, threading.Lock())
    log.info("stt_model_loaded", model=key.model, seconds=round(loaded.load_seconds, 2))
    return loaded


def load_model(settings: Settings) -> SpeechModel:
    """The process's model for these settings, loading it on first use (blocking)."""
    key = _Key(settings.stt_model, settings.stt_device, settings.stt_compute_type)
    with _loading:
        if key not in _models:
            _models[key] = _load(key)
        return _models[key]


def looping(text: str) -> bool:
    """Whisper stuck on a word ("caddy, caddy, caddy"): it does this on noise, people do not."""
    words = re.findall(r"[\w'-]+", text.lower())
    return any(words[i] == words[i + 1] == words[i + 2] for i in range(len(words) - 2))


def _decode(
    model: SpeechModel, samples: Samples, vocabulary: Vocabulary | None, bias: Bias
) -> Transcript:
    options: dict[str, Any] = {}
    if vocabulary is not None and bias in ("prompt", "both"):
        options["initial_prompt"] = vocabulary.prompt()
    if vocabulary is not None and bias in ("hotwords", "both"):
        options["hotwords"] = vocabulary.hotwords()
    started = time.perf_counter()
    with model.lock:
        segments, info = model.whisper.transcribe(
            samples,
            language="en" if model.whisper.model.is_multilingual is False else None,
            beam_size=BEAM_SIZE,
            vad_filter=True,
            without_timestamps=True,
            condition_on_previous_text=False,
            temperature=0.0,
            **options,
        )
        heard = list(segments)  # the generator decodes as it is read
    seconds = time.perf_counter() - started
    text = " ".join(s.text.strip() for s in heard).strip()
    if heard:
        # Weighted by length: one short unsure word should not sink a clear sentence.
        weights = [max(s.end - s.start, 0.01) for s in heard]
        avg = sum(s.avg_logprob * w for s, w in zip(heard, weights, strict=True)) / sum(weights)
        no_speech = min(s.no_speech_prob for s in heard)
    else:
        avg, no_speech = float("-inf"), 1.0
    confident = (
        bool(text)
        and avg >= MIN_AVG_LOGPROB
        and no_speech <= MAX_NO_SPEECH_PROB
        and not looping(text)
    )
    return Transcript(
        text=text,
        language=info.language,
        seconds=round(seconds, 3),
        avg_logprob=round(avg, 3) if heard else -99.0,
        no_speech_prob=round(no_speech, 3),
        confident=confident,
    )


def transcribe_sync(
    settings: Settings,
    samples: Samples,
    vocabulary: Vocabulary | None = None,
    bias: Bias = DEFAULT_BIAS,
) -> Transcript:
    """16 kHz mono samples as text (blocking: loads the model on first use)."""
    if samples.size < SAMPLE_RATE // 10:
        raise BadInput("the audio is shorter than a tenth of a second")
    return _decode(load_model(settings), samples, vocabulary, bias)


async def transcribe(
    settings: Settings,
    samples: Samples,
    vocabulary: Vocabulary | None = None,
    bias: Bias = DEFAULT_BIAS,
) -> Transcript:
    """16 kHz mono samples as text, in a worker thread so the event loop keeps serving."""
    return await asyncio.to_thread(transcribe_sync, settings, samples, vocabulary, bias)
