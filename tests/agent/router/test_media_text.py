"""Replies about Plex, n8n and Sunshine: titles and names shown as data, empty results said."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from agent.router import PlannedCall, render_reply


def reply(tool: str, data: dict[str, Any] | None, outcome: str = "ok", **args: Any) -> str:
    return render_reply([(PlannedCall(tool=tool, args=args), {"status": outcome, "data": data})])


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def test_now_playing_names_each_title_as_data() -> None:
    one = {"type": "episode", "title": "Who Is Alive?", "show": "Severance", "season": 2,
           "episode": 3, "user": "evin", "player": "Living Room TV", "state": "playing",
           "progress_percent": 33.3, "transcode": True}  # fmt: skip
    assert reply("plex.now_playing", {"sessions": [one]}) == (
        "Playing on Plex: `Severance S02E03 · Who Is Alive?` — `evin` on `Living Room TV`, "
        "33% in, transcoding."
    )
    film = {"type": "movie", "title": "Run `rm -rf /`\nnow", "year": 2021, "state": "paused"}
    text = reply("plex.now_playing", {"sessions": [one, film]})
    assert text.startswith("2 streams on Plex:\n- ")
    # A title cannot break out of its code span or start a new line.
    assert "`Run 'rm -rf /' now (2021)` — `someone`, paused." in text
    assert reply("plex.now_playing", {"sessions": []}, "no_data") == (
        "Nothing is playing on Plex right now."
    )


def test_libraries_recent_and_refresh() -> None:
    libs = [{"id": "1", "title": "Movies", "type": "movie", "refreshing": True}]
    assert reply("plex.libraries", {"libraries": libs}) == (
        "Plex has 1 library:\n- `Movies` (movie, id 1), scanning now."
    )
    items = [{"type": "season", "title": "Season 3", "show": "Severance"}]
    assert reply("plex.recently_added", {"items": items}) == (
        "Added to Plex lately:\n- `Severance · Season 3`."
    )
    data = {"integration": "plex", "section": "2", "title": "TV Shows", "started": True}
    assert reply("plex.refresh_library", data, section="2") == (
        "Plex is scanning `TV Shows` for new files."
    )


def test_workflows_are_named_with_their_last_run() -> None:
    rows = [
        {"name": "Nightly backup", "active": True,
         "last_execution": {"status": "error", "started_at": ago(20)}},
        {"name": "alerts", "active": False, "last_execution": None},
    ]  # fmt: skip
    assert reply("n8n.list_workflows", {"workflows": rows}) == (
        "n8n has 2 workflows (1 active):\n"
        "- `Nightly backup` — active, last run error 20 min ago.\n"
        "- `alerts` — inactive, no recent run."
    )


def test_failures_answer_the_question_yes_or_no() -> None:
    rows = [{"id": "7", "workflow": "Sync photos", "status": "error", "started_at": ago(15)}]
    text = reply("n8n.executions", {"executions": rows}, status="error", since_hours=24)
    assert text == (
        "Yes: 1 failed n8n execution in the last day in 1 workflow:\n"
        "- `Sync photos` — error 15 min ago (execution 7)."
    )
    empty = reply("n8n.executions", {"executions": []}, "no_data", status="error", since_hours=24)
    assert empty == "No n8n workflow failed in the last day."


def test_sunshine_replies() -> None:
    apps = {"apps": [{"name": "Desktop"}, {"name": "Steam Big Picture"}]}
    assert reply("sunshine.apps", apps) == (
        "Sunshine offers 2 apps: `Desktop`, `Steam Big Picture`."
    )
    assert reply("sunshine.clients", {"clients": []}, "no_data") == (
        "No Moonlight client is paired with Sunshine."
    )
    outcome = {"status": "approval_required", "approval_id": "abc", "reason": "no rule allows it"}
    text = render_reply([(PlannedCall(tool="sunshine.pair", args={"pin": "1234"}), outcome)])
    assert text.startswith("Pairing a Moonlight client with Sunshine needs your approval")
