"""Replies about Plex: what is playing (by title), the libraries, what is new, a scan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.router.format import clean, inline, percent
from agent.router.types import PlannedCall

Data = dict[str, Any]
SHOWN = 10
GERUNDS = {
    "plex.now_playing": "reading what is playing on Plex",
    "plex.libraries": "listing the Plex libraries",
    "plex.recently_added": "listing what was added to Plex",
    "plex.refresh_library": "scanning Plex library {section}",
}


def describe(call: PlannedCall) -> str | None:
    """What a Plex call does, as a gerund phrase; None for other tools."""
    template = GERUNDS.get(call.tool)
    if template is None:
        return None
    return template.format(section=clean(call.args.get("section", "?"), 12))


def _rows(data: Data, key: str) -> list[Mapping[str, Any]]:
    return [r for r in data.get(key) or [] if isinstance(r, Mapping)]


def title(item: Mapping[str, Any]) -> str:
    """The title as people say it: "Severance S02E03 · Who Is Alive?", "Dune (2021)"."""
    name = clean(item.get("title") or "(untitled)", 120)
    show = item.get("show")
    if item.get("type") == "episode" and show:
        season, episode = item.get("season"), item.get("episode")
        code = (
            f" S{season:02d}E{episode:02d}"
            if isinstance(season, int) and isinstance(episode, int)
            else ""
        )
        return f"{clean(show, 80)}{code} · {name}"
    if show:
        return f"{clean(show, 80)} · {name}"
    return f"{name} ({item['year']})" if isinstance(item.get("year"), int) else name


def _session(s: Mapping[str, Any]) -> str:
    who = inline(s.get("user") or "someone", 60)
    where = f" on {inline(s.get('player'), 60)}" if s.get("player") else ""
    line = f"{inline(title(s), 200)} — {who}{where}"
    if s.get("state") and s.get("state") != "playing":
        line += f", {clean(s['state'], 20)}"
    if isinstance(s.get("progress_percent"), int | float):
        line += f", {percent(s['progress_percent'])} in"
    if s.get("transcode"):
        line += ", transcoding"
    return line


def now_playing(args: Data, data: Data) -> str:
    """plex.now_playing: each stream by title, who watches it, where and how far."""
    rows = _rows(data, "sessions")
    if len(rows) == 1:
        return f"Playing on Plex: {_session(rows[0])}."
    lines = [f"- {_session(s)}." for s in rows[:SHOWN]]
    if len(rows) > SHOWN:
        lines.append(f"- and {len(rows) - SHOWN} more.")
    return f"{len(rows)} streams on Plex:\n" + "\n".join(lines)


def libraries(args: Data, data: Data) -> str:
    """plex.libraries: each library with its id and type."""
    rows = _rows(data, "libraries")
    lines = [
        f"- {inline(r.get('title'), 80)} ({clean(r.get('type') or '?', 20)}, id "
        f"{clean(r.get('id'), 12)}){', scanning now' if r.get('refreshing') else ''}."
        for r in rows
    ]
    return f"Plex has {len(rows)} librar{'y' if len(rows) == 1 else 'ies'}:\n" + "\n".join(lines)


def recent(args: Data, data: Data) -> str:
    """plex.recently_added: the newest titles."""
    rows = _rows(data, "items")
    lines = [f"- {inline(title(r), 200)}." for r in rows[:SHOWN]]
    if len(rows) > SHOWN:
        lines.append(f"- and {len(rows) - SHOWN} more.")
    return "Added to Plex lately:\n" + "\n".join(lines)


def refreshed(args: Data, data: Data) -> str:
    """plex.refresh_library: the scan that started."""
    name = inline(data["title"], 80) if data.get("title") else f"library {clean(data['section'])}"
    return f"Plex is scanning {name} for new files."


SUMMARIES = {
    "plex.now_playing": now_playing,
    "plex.libraries": libraries,
    "plex.recently_added": recent,
    "plex.refresh_library": refreshed,
}
EMPTY = {
    "plex.now_playing": lambda a, d: "Nothing is playing on Plex right now.",
    "plex.libraries": lambda a, d: "Plex has no libraries.",
    "plex.recently_added": lambda a, d: "Nothing was added to Plex lately.",
}
