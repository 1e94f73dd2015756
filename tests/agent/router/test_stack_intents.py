"""Stack requests: the calls they plan (names as said; the tools resolve them), the replies."""

from __future__ import annotations

from typing import Any

import pytest

from agent.router import Calls, route
from agent.router.replies import render_one
from agent.router.types import PlannedCall
from tests.agent.router.conftest import HOMELAB, pairs, validate

Pairs = list[tuple[str, dict[str, Any]]]
CASES: list[tuple[str, Pairs]] = [
    ("what changed in the stream bot", [("stacks.diff", {"name": "stream-bot"})]),
    ("What's new in the discord bot stack?", [("stacks.diff", {"name": "discord-bot"})]),
    ("show the pending commits for n8n", [("stacks.diff", {"name": "n8n"})]),
    ("deploy the discord bot", [("stacks.deploy", {"name": "discord-bot"})]),
    ("redeploy homepage now", [("stacks.deploy", {"name": "homepage"})]),
    ("roll back n8n", [("stacks.rollback", {"name": "n8n"})]),
    (
        "rollback the stream bot to the last good commit",
        [("stacks.rollback", {"name": "stream-bot"})],
    ),
    ("roll n8n back", [("stacks.rollback", {"name": "n8n"})]),
    ("show my stacks", [("stacks.list", {})]),
    ("are my stacks up to date", [("stacks.list", {})]),
    ("is the stream bot behind", [("stacks.git_status", {"name": "stream-bot"})]),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_stack_requests_plan_their_calls(text: str, expected: Pairs) -> None:
    routed = route(text, HOMELAB)
    assert isinstance(routed, Calls), routed
    assert pairs(routed.calls) == expected
    validate(routed.calls)


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("deploy a postgres server", "db."),
        ("roll back the n8n database", "db."),
        ("restart n8n", "docker.restart_container"),
        ("what's new on plex", "plex.recently_added"),
    ],
)
def test_other_requests_stay_theirs(text: str, tool: str) -> None:
    routed = route(text, HOMELAB)
    tools = [c.tool for c in routed.calls] if isinstance(routed, Calls) else []
    assert not any(t.startswith("stacks.") for t in tools), tools


def test_a_rolled_back_deploy_is_said_plainly() -> None:
    call = PlannedCall(tool="stacks.deploy", args={"name": "discord-bot"})
    said = (
        "deploy of discord-bot to 0123456789ab failed: service bot is unhealthy; "
        "rolled back to 89abcdef0123, which is healthy again"
    )
    reply = render_one(call, {"status": "error", "message": said})
    assert reply.startswith("Deploying the discord-bot stack failed:")
    assert "rolled back to 89abcdef0123" in reply


def test_a_diff_reply_lists_the_commits() -> None:
    call = PlannedCall(tool="stacks.diff", args={"name": "stream-bot"})
    data = {
        "name": "stream-bot",
        "commits": [{"sha": "a" * 40, "subject": "bump the bot to 2.1"}],
        "compose_diff": "-image: bot:2.0\n+image: bot:2.1\n",
    }
    reply = render_one(call, {"status": "ok", "data": data})
    assert "would bring 1 commit(s)" in reply and "bump the bot to 2.1" in reply
    assert "The compose file changes." in reply
