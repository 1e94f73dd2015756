"""The Google stand-in and a gate with a Google integration configured against it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from memory import databases
from memory.databases import BackupView
from tests.testbed.fake_google import (
    CLIENT_ID,
    CLIENT_SECRET,
    FOLDER,
    REFRESH_TOKEN,
    FakeGoogle,
)
from tests.testbed.integration_gate import IntegrationsGate


def fields(fake: FakeGoogle, **more: str) -> dict[str, str]:
    """What `jarvis integrations add google` is given: the OAuth client, its refresh token."""
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
        "token_uri": fake.token_uri,
        "drive_folder": FOLDER,
        **more,
    }


@pytest.fixture
async def google(integrations_gate: IntegrationsGate, fake_google: FakeGoogle) -> IntegrationsGate:
    """The gate, with Google configured against the stand-in (its probe already answered)."""
    await integrations_gate.add("google", fake_google.url, fields(fake_google))
    fake_google.requests.clear()
    return integrations_gate


async def make_backup(gate: IntegrationsGate, folder: Path, content: bytes) -> BackupView:
    """A finished backup record with its file, as db.backup leaves them."""
    record = await databases.create_backup(
        gate.db, server="pg", database="nextcloud", engine="postgresql", kind="scheduled"
    )
    path = folder / f"20261207T030000Z-scheduled-{record.id[:8]}.dump"
    path.write_bytes(content)
    return await databases.finish_backup(
        gate.db,
        record.id,
        path=str(path),
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        tables={"users": 3},
    )
