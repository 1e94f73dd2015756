"""Signed one-time approval links: a token binds the approval, its action and its expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from policies.outcome import ApprovalView

LINK_FORMAT = "v1"

Verdict = Literal["ok", "forged", "expired", "answered"]


def _action_digest(view: ApprovalView) -> str:
    """What the approval would do, canonically: a token for one action fits no other."""
    action = {
        "id": view.id,
        "tool": view.tool,
        "args": view.args,
        "resource": view.resource,
        "expires_at": view.expires_at.isoformat(),
    }
    text = json.dumps(action, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class LinkSigner:
    """Makes and checks approval-link tokens with a key kept in the data dir."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def token(self, view: ApprovalView) -> str:
        """The token for this approval's link."""
        mac = hmac.new(self._key, f"{LINK_FORMAT}:{_action_digest(view)}".encode(), "sha256")
        return LINK_FORMAT + "." + base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def link(self, base_url: str, view: ApprovalView) -> str:
        """`{base}/approve/{id}?token=...`."""
        base = base_url.rstrip("/")
        return f"{base}/approve/{quote(view.id, safe='')}?token={self.token(view)}"

    def check(self, view: ApprovalView, token: str, now: datetime) -> Verdict:
        """Whether `token` opens this approval now: forged/altered, expired, already answered."""
        if not hmac.compare_digest(self.token(view).encode(), token.encode()):
            return "forged"
        if view.status == "expired" or (view.status == "pending" and view.expires_at <= now):
            return "expired"
        if view.status != "pending":
            return "answered"
        return "ok"
