"""Plex Media Server replies (XML `MediaContainer` documents) read into plain rows.

Everything here is text the server's owner (and whoever named the media) controls: titles,
user and player names are untrusted and kept as data, never as instructions.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from pydantic import BaseModel

# Elements of a MediaContainer that stand for one media item.
_ITEMS = ("Video", "Track", "Photo", "Directory", "Metadata")
MAX_TEXT = 300


class PlexSession(BaseModel):
    """One stream playing now (`/status/sessions`)."""

    title: str
    type: str
    show: str | None = None
    season: int | None = None
    episode: int | None = None
    year: int | None = None
    library: str | None = None
    user: str | None = None
    player: str | None = None
    product: str | None = None
    state: str | None = None
    progress_percent: float | None = None
    position_seconds: int | None = None
    duration_seconds: int | None = None
    transcode: bool = False
    video_decision: str | None = None
    audio_decision: str | None = None


class PlexLibrary(BaseModel):
    """One library section (`/library/sections`)."""

    id: str
    title: str
    type: str
    refreshing: bool = False
    scanned_at: datetime | None = None
    locations: list[str] = []


class PlexItem(BaseModel):
    """One recently added item (`/library/recentlyAdded`)."""

    title: str
    type: str
    show: str | None = None
    year: int | None = None
    library: str | None = None
    added_at: datetime | None = None


def container(body: bytes) -> ET.Element:
    """The `MediaContainer` root of a reply; ValueError when the body is not one."""
    # A DOCTYPE has no place in a Plex reply and entity expansion needs one: refusing it does
    # what defusedxml's forbid_dtd does; ElementTree never fetches external resources.
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise ValueError("the reply declares a DOCTYPE or entities")
    try:
        root = ET.fromstring(body)  # noqa: S314 - DTDs refused above
    except ET.ParseError as exc:
        raise ValueError(f"the reply is not XML ({exc})") from None
    if root.tag != "MediaContainer":
        raise ValueError(f"the reply is a <{root.tag[:40]}>, not a MediaContainer")
    return root


def _text(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return " ".join(value.split())[:MAX_TEXT]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _time(value: str | None) -> datetime | None:
    seconds = _int(value)
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _attr(element: ET.Element | None, name: str) -> str | None:
    # An Element with no children is falsy: compare with None, never test its truth.
    return None if element is None else _text(element.get(name))


def _items(root: ET.Element) -> list[ET.Element]:
    return [e for e in root if e.tag in _ITEMS]


def _show(item: ET.Element) -> str | None:
    kind = item.get("type")
    if kind in ("episode", "track"):
        return _text(item.get("grandparentTitle"))
    if kind == "season":
        return _text(item.get("parentTitle"))
    return None


def sessions(body: bytes) -> list[PlexSession]:
    """What is playing now, from a `/status/sessions` reply."""
    out: list[PlexSession] = []
    for item in _items(container(body)):
        user, player = item.find("User"), item.find("Player")
        transcode = item.find("TranscodeSession")
        offset, duration = _int(item.get("viewOffset")), _int(item.get("duration"))
        progress = None
        if offset is not None and duration:
            progress = round(min(max(offset / duration, 0.0), 1.0) * 100, 1)
        kind = item.get("type") or item.tag.lower()
        out.append(
            PlexSession(
                title=_text(item.get("title")) or "(untitled)",
                type=kind,
                show=_show(item),
                season=_int(item.get("parentIndex")) if kind == "episode" else None,
                episode=_int(item.get("index")) if kind == "episode" else None,
                year=_int(item.get("year")),
                library=_text(item.get("librarySectionTitle")),
                user=_attr(user, "title"),
                player=_attr(player, "title"),
                product=_attr(player, "product"),
                state=_attr(player, "state"),
                progress_percent=progress,
                position_seconds=None if offset is None else offset // 1000,
                duration_seconds=None if duration is None else duration // 1000,
                transcode=transcode is not None,
                video_decision=_attr(transcode, "videoDecision"),
                audio_decision=_attr(transcode, "audioDecision"),
            )
        )
    return out


def libraries(body: bytes) -> list[PlexLibrary]:
    """The library sections, from a `/library/sections` reply."""
    out: list[PlexLibrary] = []
    for item in container(body).iter("Directory"):
        key = item.get("key")
        if not key:
            continue
        out.append(
            PlexLibrary(
                id=key[:20],
                title=_text(item.get("title")) or "(untitled)",
                type=_text(item.get("type")) or "unknown",
                refreshing=item.get("refreshing") == "1",
                scanned_at=_time(item.get("scannedAt")),
                locations=[
                    p for loc in item.iter("Location") if (p := _text(loc.get("path"))) is not None
                ],
            )
        )
    return out


def recently_added(body: bytes) -> list[PlexItem]:
    """The newest items, from a `/library/recentlyAdded` reply (newest first)."""
    out = [
        PlexItem(
            title=_text(item.get("title")) or "(untitled)",
            type=item.get("type") or item.tag.lower(),
            show=_show(item),
            year=_int(item.get("year")),
            library=_text(item.get("librarySectionTitle")),
            added_at=_time(item.get("addedAt")),
        )
        for item in _items(container(body))
    ]
    newest = datetime.min.replace(tzinfo=UTC)
    return sorted(out, key=lambda i: i.added_at or newest, reverse=True)


def display_title(session: PlexSession | PlexItem) -> str:
    """ "The Expanse S02E05 · Home" for an episode, "Dune (2021)" for a movie."""
    if isinstance(session, PlexSession) and session.type == "episode" and session.show:
        code = ""
        if session.season is not None and session.episode is not None:
            code = f" S{session.season:02d}E{session.episode:02d}"
        return f"{session.show}{code} · {session.title}"
    if session.show:
        return f"{session.show} · {session.title}"
    return f"{session.title} ({session.year})" if session.year else session.title
