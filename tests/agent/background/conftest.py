"""A real runtime (database, gate, Docker Engine) for the background agent's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.runtime import Runtime, build_runtime
from core.settings import BackgroundSettings, Settings


@pytest.fixture
async def runtime(tmp_path: Path, db_url: str, docker_host: str) -> AsyncIterator[Runtime]:
    """Settings in a temporary data dir, the test database and the test engine."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        docker_host=docker_host,
        audit_checkpoint_file=tmp_path / "checkpoints.jsonl",
        audit_syslog=False,
        background=BackgroundSettings(verify_seconds=6),
    )
    settings.data_dir.mkdir()
    rt = build_runtime(settings)
    yield rt
    await rt.close()
