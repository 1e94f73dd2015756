"""A Plex Media Server stand-in on 127.0.0.1, from the PMS HTTP API as documented.

Requests carry `X-Plex-Token` as a header or a query parameter; a wrong or missing one gets
401 with Plex's HTML page. Replies are XML `MediaContainer` documents, or the same in JSON
(`{"MediaContainer": {...}}`) when the request sends `Accept: application/json`, as a real
server does. Sessions, sections and recently added items live in memory; a refresh is
recorded and marks the section refreshing.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from tests.testbed.fake_service import FakeService, Reply, Request, serve

TOKEN = "plex-test-token"  # a credential for this stand-in only
UNAUTHORIZED = (
    b"<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>"
)
# Children of an item that are elements of their own (the rest are attributes).
_CHILDREN = ("User", "Player", "Session", "TranscodeSession", "Location", "Media")


def episode(
    show: str, season: int, number: int, title: str, *, user: str = "evin", **extra: Any
) -> dict[str, Any]:
    """A playing episode as `/status/sessions` lists it."""
    return {
        "_tag": "Video",
        "type": "episode",
        "title": title,
        "grandparentTitle": show,
        "parentTitle": f"Season {season}",
        "parentIndex": season,
        "index": number,
        "librarySectionTitle": "TV Shows",
        "duration": 2_700_000,
        "viewOffset": 900_000,
        "User": {"id": "1", "title": user},
        "Player": {"title": "Living Room TV", "product": "Plex for LG", "state": "playing"},
        "Session": {"id": "s1", "location": "lan"},
        **extra,
    }


def movie(title: str, year: int, *, user: str = "evin", **extra: Any) -> dict[str, Any]:
    """A playing movie as `/status/sessions` lists it."""
    return {
        "_tag": "Video",
        "type": "movie",
        "title": title,
        "year": year,
        "librarySectionTitle": "Movies",
        "duration": 9_000_000,
        "viewOffset": 4_500_000,
        "User": {"id": "2", "title": user},
        "Player": {"title": "Chrome", "product": "Plex Web", "state": "paused"},
        **extra,
    }


class FakePlex(FakeService):
    """The server's state: sessions playing, library sections, recently added items."""

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.sessions: list[dict[str, Any]] = []
        self.sections: list[dict[str, Any]] = [
            {"key": "1", "type": "movie", "title": "Movies", "scannedAt": 1_764_000_000,
             "refreshing": "0", "Location": [{"id": "1", "path": "/data/movies"}]},
            {"key": "2", "type": "show", "title": "TV Shows", "scannedAt": 1_764_000_000,
             "refreshing": "0", "Location": [{"id": "2", "path": "/data/tv"}]},
        ]  # fmt: skip
        self.recent: list[dict[str, Any]] = []
        self.refreshed: list[str] = []

    def handle(self, request: Request) -> Reply:
        """Route one PMS request."""
        given = request.headers.get("X-Plex-Token") or request.query.get("X-Plex-Token")
        if given != self.token:
            return Reply(401, UNAUTHORIZED, "text/html")
        as_json = "application/json" in (request.headers.get("Accept") or "")
        path = request.path.rstrip("/") or "/"
        if request.method == "GET" and path == "/status/sessions":
            return _container(self.sessions, as_json)
        if request.method == "GET" and path == "/library/sections":
            return _container([{"_tag": "Directory", **s} for s in self.sections], as_json)
        if request.method == "GET" and path == "/library/recentlyAdded":
            return _container(self.recent, as_json)
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["library", "sections"] and parts[3] == "refresh":
            section = next((s for s in self.sections if s["key"] == parts[2]), None)
            if section is None:
                return Reply(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")
            self.refreshed.append(parts[2])
            section["refreshing"] = "1"
            return Reply(200, b"", "text/html")
        if request.method == "GET" and path == "/":
            return _container([], as_json, friendlyName="plexbox", version="1.41.3.9314")
        return Reply(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html")


def _xml(tag: str, fields: dict[str, Any]) -> ET.Element:
    element = ET.Element(tag)
    for key, value in fields.items():
        if key == "_tag":
            continue
        if key in _CHILDREN:
            for child in value if isinstance(value, list) else [value]:
                element.append(_xml(key, child))
        else:
            element.set(key, str(value))
    return element


def _json(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "_tag":
            continue
        if key in _CHILDREN:
            out[key] = [_json(v) for v in value] if isinstance(value, list) else _json(value)
        else:
            out[key] = value
    return out


def _container(items: list[dict[str, Any]], as_json: bool, **attrs: Any) -> Reply:
    if as_json:
        key = "Directory" if items and items[0].get("_tag") == "Directory" else "Metadata"
        body: dict[str, Any] = {"size": len(items), **attrs}
        if items:
            body[key] = [_json(i) for i in items]
        return Reply(200, json.dumps({"MediaContainer": body}).encode(), "application/json")
    root = ET.Element("MediaContainer", {"size": str(len(items))})
    for key, value in attrs.items():
        root.set(key, str(value))
    for item in items:
        root.append(_xml(str(item.get("_tag", "Video")), item))
    body_xml = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root)
    return Reply(200, body_xml, "text/xml;charset=utf-8")


@pytest.fixture
def fake_plex() -> Iterator[FakePlex]:
    """A fresh Plex stand-in on a free loopback port."""
    with serve(FakePlex()) as service:
        assert isinstance(service, FakePlex)
        yield service
