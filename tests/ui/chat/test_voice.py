"""A spoken confirmation is recognised as Whisper spells it, and nothing else passes for one."""

from __future__ import annotations

import pytest

from ui.chat.voice import is_confirmation


@pytest.mark.parametrize(
    "heard",
    [
        "Yes, confirm.",
        "yes confirm",
        "Yes. Confirm!",
        "Yes, confirmed.",
        "Confirm.",
        "Yes, I confirm",
    ],
)
def test_confirmations_as_whisper_writes_them(heard: str) -> None:
    assert is_confirmation(heard)


@pytest.mark.parametrize(
    "heard",
    ["Yes.", "No, cancel.", "Please restart plex.", "confirm restart of plex", "Yes, continue", ""],
)
def test_anything_else_is_not_a_confirmation(heard: str) -> None:
    assert not is_confirmation(heard)
