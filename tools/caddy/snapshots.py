"""Snapshots of Caddy's live config, taken before every change, and a change that rolls back."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import ChangeFailed, Conflict, JarvisError, NotFound
from tools.caddy.client import CaddyAdmin

PREFIX = "caddy-"


@dataclass(frozen=True)
class Snapshot:
    """One saved live config with the Etag it had."""

    path: Path
    taken_at: datetime
    etag: str | None
    reason: str
    config: Any

    @property
    def name(self) -> str:
        """The file name, which identifies the snapshot."""
        return self.path.name


class SnapshotStore:
    """Timestamped JSON files in one folder (a sub-folder of the data dir)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    async def take(self, admin: CaddyAdmin, reason: str = "") -> Snapshot:
        """Save the live config and its Etag; returns the snapshot."""
        config, etag = await admin.get_config()
        taken_at = datetime.now(UTC)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = taken_at.strftime("%Y%m%dT%H%M%S%fZ")
        path = self.folder / f"{PREFIX}{stamp}.json"
        n = 1
        while path.exists():
            path = self.folder / f"{PREFIX}{stamp}-{n}.json"
            n += 1
        record = {
            "taken_at": taken_at.isoformat(),
            "etag": etag,
            "reason": reason,
            "config": config,
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True))
        os.replace(tmp, path)
        return Snapshot(path, taken_at, etag, reason, config)

    def list_snapshots(self) -> list[Snapshot]:
        """Every snapshot, newest first."""
        if not self.folder.is_dir():
            return []
        found = [self._read(p) for p in self.folder.glob(f"{PREFIX}*.json")]
        return sorted(found, key=lambda s: (s.taken_at, s.name), reverse=True)

    def get(self, name: str) -> Snapshot:
        """The snapshot saved as `name` (a file name from `list_snapshots`)."""
        path = self.folder / name
        if Path(name).name != name or not name.startswith(PREFIX) or not path.is_file():
            raise NotFound(f"no Caddy config snapshot named {name!r}")
        return self._read(path)

    @staticmethod
    def _read(path: Path) -> Snapshot:
        record = json.loads(path.read_text())
        return Snapshot(
            path=path,
            taken_at=datetime.fromisoformat(record["taken_at"]),
            etag=record.get("etag"),
            reason=record.get("reason", ""),
            config=record["config"],
        )

    async def restore(self, admin: CaddyAdmin, snapshot: Snapshot) -> None:
        """Load the snapshot's config again, reloading even if it looks identical."""
        await admin.load(snapshot.config, force=True)


async def apply(
    admin: CaddyAdmin, desired: Any, snapshots: SnapshotStore, reason: str = "change"
) -> Snapshot:
    """Snapshot, load `desired` with If-Match, verify it is live; roll back on any failure.

    Returns the snapshot taken before the change. A Conflict (the config changed since it
    was read) leaves Caddy untouched; every other failure restores the snapshot and raises
    ChangeFailed.
    """
    snap = await snapshots.take(admin, reason)
    try:
        await admin.load(desired, if_match=snap.etag)
        live, _ = await admin.get_config()
        if live != desired:
            raise ChangeFailed("the live config differs from the one loaded")
    except Conflict:
        raise  # nothing was loaded, and restoring would undo someone else's change
    except Exception as exc:
        cause = exc.message if isinstance(exc, JarvisError) else f"{type(exc).__name__}: {exc}"
        try:
            await snapshots.restore(admin, snap)
        except Exception as again:
            raise ChangeFailed(
                f"Caddy config change failed ({cause}) and restoring snapshot {snap.name} "
                f"failed too: {again}",
                {"snapshot": str(snap.path), "rolled_back": False},
            ) from exc
        raise ChangeFailed(
            f"Caddy config change failed ({cause}); rolled back to snapshot {snap.name}",
            {"snapshot": str(snap.path), "rolled_back": True},
        ) from exc
    return snap
