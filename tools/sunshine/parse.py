"""Sunshine web API replies (`/api/apps`, `/api/clients/list`, `/api/pin`) read into rows.

Sunshine writes its JSON with Boost's property tree, which turns every value into a string
("status": "true"); both spellings are accepted. App and client names are untrusted text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

MAX_TEXT = 200
PIN = re.compile(r"[0-9]{4}")
# What a client may be called when pairing: Sunshine shows it in its own web UI.
CLIENT_NAME = re.compile(r"[\w .'()-]{1,60}")


class SunshineApp(BaseModel):
    """One application Moonlight can start (`/api/apps`)."""

    index: int
    name: str
    detached: bool = False
    has_prep: bool = False


class SunshineClient(BaseModel):
    """One paired Moonlight client (`/api/clients/list`)."""

    name: str
    uuid: str | None = None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    text = " ".join(str(value).split())
    return text[:MAX_TEXT] or None


def truthy(value: Any) -> bool:
    """Sunshine's `status`: true, or the string "true" Boost writes for it."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise ValueError("the reply is not a JSON object")
    return body


def apps(body: Any) -> list[SunshineApp]:
    """The applications, in Sunshine's order; ValueError when there is no `apps` list."""
    rows = _object(body).get("apps")
    # An empty array comes out of Boost as "" (it cannot write empty arrays).
    if rows == "":
        return []
    if not isinstance(rows, list):
        raise ValueError("the reply has no `apps` list")
    return [
        SunshineApp(
            index=i,
            name=_text(app.get("name")) or "(unnamed)",
            detached=bool(app.get("detached")),
            has_prep=bool(app.get("prep-cmd")),
        )
        for i, app in enumerate(rows)
        if isinstance(app, Mapping)
    ]


def clients(body: Any) -> list[SunshineClient]:
    """The paired clients; ValueError when the reply does not say it worked."""
    data = _object(body)
    if not truthy(data.get("status")):
        raise ValueError("Sunshine did not list its clients")
    rows = data.get("named_certs")
    if rows in (None, ""):
        return []
    if not isinstance(rows, list):
        raise ValueError("the reply's `named_certs` is not a list")
    return [
        SunshineClient(name=_text(c.get("name")) or "(unnamed)", uuid=_text(c.get("uuid")))
        for c in rows
        if isinstance(c, Mapping)
    ]


def pin_accepted(body: Any) -> bool:
    """Whether Sunshine took the PIN (false: no client was waiting to pair)."""
    return truthy(_object(body).get("status"))


def error_text(body: Any) -> str | None:
    """The `error` Sunshine put in a 400 reply, if any."""
    return _text(body.get("error")) if isinstance(body, Mapping) else None


def check_pin(value: str) -> str:
    """A Moonlight PIN: exactly four digits; ValueError otherwise."""
    if not PIN.fullmatch(value):
        raise ValueError("a Moonlight pairing PIN is exactly 4 digits")
    return value


def check_client_name(value: str) -> str:
    """A name for the paired client; ValueError when it has odd characters or is too long."""
    name = " ".join(value.split())
    if not CLIENT_NAME.fullmatch(name):
        raise ValueError("a client name is 1-60 letters, digits, spaces and . ' ( ) -")
    return name
