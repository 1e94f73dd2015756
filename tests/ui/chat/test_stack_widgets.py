"""The Stacks panel's props from stacks.list, and what its Deploy button may send."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ui.chat import widgets
from ui.chat.widgets.stacks import stacks_panel


def stack(name: str, **fields: Any) -> dict[str, Any]:
    """A stacks.list row with defaults: up to date, one healthy service."""
    row = {
        "name": name,
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "branch": "main",
        "git_status": "up to date",
        "behind": 0,
        "ahead": 0,
        "diverged": False,
        "dirty_files": [],
        "status": "running",
        "services": [{"service": "bot", "health": "healthy"}],
        "last_deploy": None,
    }
    return row | fields


def test_the_panel_offers_deploy_only_when_a_deploy_could_run() -> None:
    rows = [
        stack("stream-bot", behind=2, git_status="behind 2"),
        stack("n8n"),
        stack("homepage", behind=1, ahead=1, diverged=True, git_status="diverged"),
        stack("discord-bot", behind=1, dirty_files=["compose.yaml"], git_status="behind 1, dirty"),
        stack("grafana", services=[{"service": "grafana", "health": "unhealthy"}]),
    ]
    outcome = {"status": "ok", "data": {"root": "/srv/contain", "stacks": rows},
               "invocation": {"tool": "stacks.list", "args": {}}}  # fmt: skip
    props = stacks_panel(outcome)
    by_name = {s["name"]: s for s in props["stacks"]}
    assert by_name["stream-bot"]["deploy"] == {
        "label": "Deploy",
        "tool": "stacks.deploy",
        "args": {"name": "stream-bot"},
    }
    assert by_name["stream-bot"]["git_tone"] == "warn" and by_name["n8n"]["git_tone"] == "ok"
    assert [by_name[n]["deploy"] for n in ("n8n", "homepage", "discord-bot")] == [None] * 3
    assert by_name["n8n"]["commit"] == "0123456789ab"
    assert by_name["grafana"]["services"] == [
        {"service": "grafana", "health": "unhealthy", "tone": "bad"}
    ]
    assert props["action"] == widgets.ACTION_TOOL


def test_the_deploy_button_sends_only_a_stack_name() -> None:
    ok = widgets.ToolActionPayload.model_validate(
        {"tool": "stacks.deploy", "args": {"name": "stream-bot"}}
    )
    assert ok.args == {"name": "stream-bot"}
    for bad in ({"name": "../etc"}, {"name": "a b"}, {"name": "x", "commit": "abc1234"}, {}):
        with pytest.raises(ValidationError):
            widgets.ToolActionPayload.model_validate({"tool": "stacks.deploy", "args": bad})
    with pytest.raises(ValidationError):
        widgets.ToolActionPayload.model_validate({"tool": "stacks.rollback", "args": {"name": "x"}})
