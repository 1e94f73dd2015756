"""Signed checkpoints of the audit chain's head, kept outside the database.

Each append batch leaves a line `(seq, hash)` signed with the audit key in a file outside the
data dir and, where the host has one, in syslog/journald. `verify` compares the database with
the newest valid checkpoint: a log cut short or rewritten below a checkpoint is caught even
when the head row was rewritten to match.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import syslog
import threading
from pathlib import Path

from core.logging import get_logger

log = get_logger("memory.audit_checkpoint")
SYSLOG_SOCKET = Path("/dev/log")
SYSLOG_TAG = "jarvis-audit"


def sign(key: bytes, kind: str, seq: int, digest: str) -> str:
    """The MAC of a head or checkpoint `(seq, hash)` under the audit key."""
    payload = json.dumps([kind, seq, digest], separators=(",", ":"))
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def installation_id(key: bytes) -> str:
    """A short public id of the audit key, so one file can serve several installations."""
    return sign(key, "installation", 0, "")[:16]


class CheckpointLog:
    """Writes and reads the checkpoint file (and mirrors each line to syslog if asked)."""

    def __init__(self, path: Path, key: bytes, use_syslog: bool = False) -> None:
        self.path = path
        self.key = key
        self.use_syslog = use_syslog and SYSLOG_SOCKET.exists()
        self._id = installation_id(key)
        self._lock = threading.Lock()
        self._last = 0

    def write(self, seq: int, digest: str) -> None:
        """Record the head after a committed append; failures are logged, never raised."""
        line = {
            "id": self._id,
            "seq": seq,
            "hash": digest,
            "mac": sign(self.key, "cp", seq, digest),
        }
        text = json.dumps(line, separators=(",", ":"))
        with self._lock:
            if seq <= self._last:
                return  # an older head committed late: the newer checkpoint already covers it
            self._last = seq
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(fd, "a") as handle:
                    handle.write(text + "\n")
            except OSError as exc:
                log.warning("audit_checkpoint_failed", error=type(exc).__name__)
        if self.use_syslog:
            syslog.openlog(SYSLOG_TAG, 0, syslog.LOG_AUTHPRIV)
            syslog.syslog(syslog.LOG_INFO, f"checkpoint {text}")

    def read(self) -> tuple[dict[int, set[str]] | None, int]:
        """Every signed `(seq, hash)` of this log, by seq, and how many lines are not signed
        by it; None when there is no checkpoint file at all."""
        try:
            lines = self.path.read_text().splitlines()
        except FileNotFoundError:
            return None, 0
        seen: dict[int, set[str]] = {}
        forged = 0
        for number, raw in enumerate(lines, start=1):
            try:
                item = json.loads(raw)
                seq, digest, mac = int(item["seq"]), str(item["hash"]), str(item["mac"])
                owner = item.get("id")
            except (ValueError, KeyError, TypeError):
                # A last line cut short by a crash mid-write is not an attack.
                forged += number != len(lines)
                continue
            if owner != self._id:
                continue  # another installation's log sharing the file
            if not hmac.compare_digest(mac, sign(self.key, "cp", seq, digest)):
                forged += 1
                continue
            seen.setdefault(seq, set()).add(digest)
        return seen, forged
