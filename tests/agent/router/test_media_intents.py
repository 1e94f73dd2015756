"""Plex, n8n and Sunshine requests: the calls they plan, and what stays a container request."""

from __future__ import annotations

from typing import Any

import pytest

from agent.router import Calls, Clarify, route
from tests.agent.router.conftest import HOMELAB, pairs, validate

Pairs = list[tuple[str, dict[str, Any]]]
CASES: list[tuple[str, Pairs]] = [
    ("what's playing on plex", [("plex.now_playing", {})]),
    ("What is playing on Plex right now?", [("plex.now_playing", {})]),
    ("is anything playing on my plex", [("plex.now_playing", {})]),
    ("who is watching plex", [("plex.now_playing", {})]),
    ("show plex sessions", [("plex.now_playing", {})]),
    ("list my plex libraries", [("plex.libraries", {})]),
    ("what's new on plex", [("plex.recently_added", {})]),
    ("show recently added on plex", [("plex.recently_added", {})]),
    ("refresh plex library 2", [("plex.refresh_library", {"section": "2"})]),
    ("scan the plex movies library", [("plex.refresh_library", {"section": "movies"})]),
    ("rescan plex library tv shows", [("plex.refresh_library", {"section": "tv shows"})]),
    ("list my n8n workflows", [("n8n.list_workflows", {})]),
    ("show me the n8n workflows", [("n8n.list_workflows", {})]),
    ("what workflows do i have in n8n", [("n8n.list_workflows", {})]),
    (
        "did any n8n workflow fail today",
        [("n8n.executions", {"status": "error", "since_hours": 24})],
    ),
    ("did anything fail in n8n", [("n8n.executions", {"status": "error"})]),
    (
        "show failed n8n executions this week",
        [("n8n.executions", {"status": "error", "since_hours": 168})],
    ),
    ("n8n errors yesterday", [("n8n.executions", {"status": "error", "since_hours": 48})]),
    ("show recent n8n executions", [("n8n.executions", {})]),
    (
        "activate the n8n workflow Nightly Backup",
        [("n8n.activate", {"workflow": "nightly backup"})],
    ),
    ("disable n8n workflow wf002", [("n8n.deactivate", {"workflow": "wf002"})]),
    ("pair my moonlight client with PIN 1234", [("sunshine.pair", {"pin": "1234"})]),
    ("pair my steam deck with sunshine using pin 0042", [("sunshine.pair", {"pin": "0042"})]),
    ("enter moonlight pin 9876", [("sunshine.pair", {"pin": "9876"})]),
    ("list my sunshine apps", [("sunshine.apps", {})]),
    ("which clients are paired with sunshine", [("sunshine.clients", {})]),
    ("show paired moonlight clients", [("sunshine.clients", {})]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_requests_plan_their_service_calls(text: str, expected: Pairs) -> None:
    routed = route(text, HOMELAB)
    assert isinstance(routed, Calls), routed
    assert pairs(routed.calls) == expected
    validate(routed.calls)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("restart plex", [("docker.restart_container", {"name": "plex"})]),
        ("logs of n8n", [("docker.container_logs", {"name": "n8n"})]),
        ("stop n8n", [("docker.stop_container", {"name": "n8n"})]),
    ],
)
def test_container_requests_about_the_same_names_stay_container_requests(
    text: str, expected: Pairs
) -> None:
    routed = route(text, HOMELAB)
    assert isinstance(routed, Calls) and pairs(routed.calls) == expected


@pytest.mark.parametrize(
    "text", ["did any workflow fail today", "i love plex", "pair my socks", "n8n is great"]
)
def test_mentions_without_a_request_plan_no_service_call(text: str) -> None:
    routed = route(text, HOMELAB)
    tools = [c.tool for c in routed.calls] if isinstance(routed, Calls) else []
    assert not any(t.split(".")[0] in ("plex", "n8n", "sunshine") for t in tools), tools


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("pair my moonlight client with PIN 12", "`12` is not a PIN Moonlight shows"),
        ("pair my moonlight client with pin 12a4", "`12a4` is not a PIN Moonlight shows"),
        ("enter moonlight pin 123456", "`123456` is not a PIN Moonlight shows"),
        ("pair my moonlight client", "Moonlight shows a 4-digit PIN"),
    ],
)
def test_a_pin_that_is_not_four_digits_is_asked_for_again(text: str, said: str) -> None:
    routed = route(text, HOMELAB)
    assert isinstance(routed, Clarify), routed
    assert routed.question.startswith(said)
    assert "Which 4 digits does it show?" in routed.question
    assert routed.retry == "pair my moonlight client with pin {choice}"
    again = route(routed.retry.format(choice="0042"), HOMELAB)
    assert isinstance(again, Calls) and pairs(again.calls) == [("sunshine.pair", {"pin": "0042"})]
    validate(again.calls)
