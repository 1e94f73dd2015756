"""Progress of long database work: steps reach the receiver the caller set, a growing file's
size is reported while it grows, and a failing receiver never breaks the work."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tools.db import progress


async def test_a_growing_file_is_reported_while_it_grows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "EVERY_SECONDS", 0.05)
    seen: list[tuple[str, bool]] = []

    async def receive(text: str, ongoing: bool) -> None:
        seen.append((text, ongoing))

    path = tmp_path / "dump"
    token = progress.PROGRESS.set(receive)
    try:
        await progress.say("backing up main/shop (manual)")
        async with progress.growing(path, "dumping main/shop"):
            for _ in range(4):
                with path.open("ab") as handle:
                    handle.write(b"x" * 300_000)
                await asyncio.sleep(0.12)
        size_after = len(seen)
        await asyncio.sleep(0.2)  # the watcher stopped with the block
    finally:
        progress.PROGRESS.reset(token)
    assert seen[0] == ("backing up main/shop (manual)", False)
    ongoing = [text for text, is_ongoing in seen if is_ongoing]
    assert ongoing and all(t.startswith("dumping main/shop: ") for t in ongoing)
    assert ongoing[-1].endswith("MiB so far") and ongoing[-1] != ongoing[0]
    assert len(seen) == size_after


async def test_without_a_receiver_nothing_is_watched_and_a_broken_one_is_ignored(
    tmp_path: Path,
) -> None:
    async with progress.growing(tmp_path / "none", "dumping"):
        assert len(asyncio.all_tasks()) == 1  # no watcher task without a receiver

    async def broken(text: str, ongoing: bool) -> None:
        raise RuntimeError("the chat went away")

    token = progress.PROGRESS.set(broken)
    try:
        await progress.say("restoring")  # does not raise
    finally:
        progress.PROGRESS.reset(token)
