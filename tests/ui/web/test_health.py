"""/healthz answers from the database alone and says nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.runtime import build_runtime
from core.settings import Settings
from ui.web.accounts import AccountStore, LoginLimiter
from ui.web.apikeys import ApiKeyStore
from ui.web.app import healthz
from ui.web.state import WebState, set_state


@pytest.fixture(autouse=True)
def no_state_left() -> Iterator[None]:
    yield
    set_state(None)


async def health_of(settings: Settings) -> tuple[int, dict[str, str]]:
    runtime = build_runtime(settings, migrate=False)
    set_state(
        WebState(
            settings=settings,
            runtime=runtime,
            accounts=AccountStore(runtime.db),
            apikeys=ApiKeyStore(runtime.db),
            limiter=LoginLimiter(5, 60),
        )
    )
    try:
        answer = await healthz()
    finally:
        await runtime.close()
    return answer.status_code, json.loads(bytes(answer.body))


async def test_ok_when_the_database_answers(settings: Settings) -> None:
    assert await health_of(settings) == (200, {"status": "ok", "database": "ok"})


async def test_503_when_the_database_is_down(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, database_url="postgresql://jarvis:hunter2@127.0.0.1:1/jarvis"
    )
    code, body = await health_of(settings)
    assert (code, body) == (503, {"status": "error", "database": "unavailable"})
