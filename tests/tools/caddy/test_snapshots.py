"""Snapshots before every change, and a change that rolls back when Caddy refuses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.errors import ChangeFailed, Conflict, NotFound
from tests.testbed.caddy_pebble import Caddy
from tests.tools.caddy.test_client import plain_config
from tools.caddy.client import CaddyAdmin
from tools.caddy.snapshots import SnapshotStore, apply


async def test_take_list_get_and_restore(caddy: Caddy, tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "snapshots")
    assert store.list_snapshots() == []
    async with CaddyAdmin(caddy.admin) as admin:
        first = plain_config(caddy)
        await admin.load(first)
        snap = await store.take(admin, "before test")
        await admin.load(plain_config(caddy))
        later = await store.take(admin)
        assert [s.name for s in store.list_snapshots()] == [later.name, snap.name]
        saved = json.loads(snap.path.read_text())
        assert saved["config"] == first and saved["reason"] == "before test"
        assert saved["etag"].startswith('"/config/ ')
        assert store.get(snap.name).config == first
        await store.restore(admin, store.get(snap.name))
        assert (await admin.get_config())[0] == first
    with pytest.raises(NotFound):
        store.get("../etc/passwd")


async def test_apply_loads_and_verifies(caddy: Caddy, tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    async with CaddyAdmin(caddy.admin) as admin:
        before = plain_config(caddy)
        await admin.load(before)
        desired = plain_config(caddy, "jarvis-new")
        snap = await apply(admin, desired, store)
        assert snap.config == before
        assert (await admin.get_config())[0] == desired


async def test_an_invalid_config_is_rolled_back(caddy: Caddy, tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path)
    async with CaddyAdmin(caddy.admin) as admin:
        before = plain_config(caddy)
        await admin.load(before)
        bad = plain_config(caddy)
        bad["apps"]["http"]["servers"]["plain"]["listen"] = ["127.0.0.1:not-a-port"]
        with pytest.raises(ChangeFailed, match="rolled back to snapshot caddy-") as caught:
            await apply(admin, bad, store)
        assert caught.value.details is not None and caught.value.details["rolled_back"]
        live, _ = await admin.get_config()
        assert live == before == store.list_snapshots()[0].config


async def test_a_config_that_does_not_stick_is_rolled_back(caddy: Caddy, tmp_path: Path) -> None:
    """Caddy accepts it, but what is live afterwards is not what was asked for."""

    class Drifting(CaddyAdmin):
        async def get_config(self, path: str = "") -> tuple[Any, str]:
            config, etag = await super().get_config(path)
            if self.loaded:
                config = {**config, "logging": {}}
            return config, etag

        loaded = False

        async def load(
            self, config: Any, *, if_match: str | None = None, force: bool = False
        ) -> None:
            await super().load(config, if_match=if_match, force=force)
            self.loaded = not force

    store = SnapshotStore(tmp_path)
    async with Drifting(caddy.admin) as admin:
        before = plain_config(caddy)
        await admin.load(before, force=True)
        with pytest.raises(ChangeFailed, match=r"differs from the one loaded.*rolled back"):
            await apply(admin, plain_config(caddy, "jarvis-x"), store)
    async with CaddyAdmin(caddy.admin) as admin:
        assert (await admin.get_config())[0] == before


async def test_a_concurrent_change_is_a_conflict_and_kept(caddy: Caddy, tmp_path: Path) -> None:
    class Racing(CaddyAdmin):
        async def load(
            self, config: Any, *, if_match: str | None = None, force: bool = False
        ) -> None:
            if if_match is not None:  # someone else changes Caddy between read and write
                await super().load(other)
            await super().load(config, if_match=if_match, force=force)

    other = plain_config(caddy, "someone-else")
    async with Racing(caddy.admin) as admin:
        with pytest.raises(Conflict):
            await apply(admin, plain_config(caddy, "jarvis-mine"), SnapshotStore(tmp_path))
        assert (await admin.get_config())[0] == other
