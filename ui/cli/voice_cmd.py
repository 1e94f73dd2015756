"""`jarvis voice`: speech to text on this server (faster-whisper, JARVIS_STT_MODEL)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ui.cli.common import EXIT_BAD_INPUT, EXIT_FAILURE, JSON_OPT, emit, fail, settings_or_exit

if TYPE_CHECKING:
    from agent.router.types import Inventory
    from agent.voice.listen import Heard
    from core.settings import Settings

app = typer.Typer(
    help="Speech to text on this server: transcribe a recording.", no_args_is_help=True
)


def hear_file(path: Path, settings: Settings) -> tuple[Heard, Inventory]:
    """Transcribe a sound file with the live inventory's words; typed errors exit with a reason."""
    import asyncio

    # Imported here: faster-whisper, CTranslate2 and the Docker client take a second to load.
    from agent.inventory import read_inventory
    from agent.voice.audio import read_file
    from agent.voice.listen import hear
    from core.errors import BadInput, JarvisError

    async def go() -> tuple[Heard, Inventory]:
        samples = read_file(path)
        inventory = await read_inventory(settings)
        return await hear(settings, samples, inventory), inventory

    try:
        return asyncio.run(go())
    except BadInput as exc:
        fail(exc.message, EXIT_BAD_INPUT)
    except JarvisError as exc:
        fail(exc.message, EXIT_FAILURE)


def heard_json(heard: Heard) -> dict[str, object]:
    """The transcript's fields and the model's load time, as one flat JSON object."""
    return {**heard.transcript.model_dump(), "load_seconds": heard.load_seconds}


@app.command()
def transcribe(
    file: Path = typer.Argument(..., help="A recording: WAV, FLAC, Ogg, MP3 ..."),
    as_json: bool = JSON_OPT,
) -> None:
    """Transcribe a recording with this homelab's words; nothing runs."""
    heard, _ = hear_file(file, settings_or_exit())
    t = heard.transcript

    def human() -> str:
        sure = "" if t.confident else "  (unsure: would not be acted on)"
        return (
            f"{t.text or '(nothing heard)'}{sure}\n"
            f"[{t.language}, {t.seconds:.2f} s to transcribe, {heard.load_seconds:.2f} s to load "
            f"the model, avg_logprob {t.avg_logprob}, no_speech_prob {t.no_speech_prob}]"
        )

    emit(heard_json(heard), as_json, human)
