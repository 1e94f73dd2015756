"""Calendar events as policy windows: the engine asks the Google stand-in's calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.errors import BadInput
from policies.engine import AUTONOMOUS, PolicyEngine, PolicyRequest
from policies.rules import load_rules
from tests.testbed.fake_google import FakeGoogle
from tests.testbed.integration_gate import IntegrationsGate
from tools.google.windows import CalendarWindows

RULES = """\
version: 1
rules:
  - id: reclaim-when-the-calendar-says
    effect: allow
    tools: [docker.reclaim_space]
    actors: ["agent:autonomous"]
    calendars: ["google:maint@group.calendar.google.com"]
"""
RECLAIM = PolicyRequest(
    tool="docker.reclaim_space", risk="write", actor=AUTONOMOUS, resource="docker:*"
)


async def no_calls(*_: object) -> int:
    return 0


async def test_a_calendar_event_opens_a_rules_window(
    google: IntegrationsGate, fake_google: FakeGoogle, tmp_path: Path
) -> None:
    fake_google.events["maint@group.calendar.google.com"] = [
        {
            "id": "m1",
            "summary": "Maintenance",
            "start": {"dateTime": "2026-12-09T01:00:00Z"},
            "end": {"dateTime": "2026-12-09T02:30:00Z"},
        }
    ]
    policy = tmp_path / "policy.yaml"
    policy.write_text(RULES)
    now = datetime(2026, 12, 9, 1, 30, tzinfo=UTC)
    engine = PolicyEngine(
        load_rules(policy), clock=lambda: now, calendar_on=CalendarWindows(google.gate.deps).on
    )

    during = await engine.evaluate(RECLAIM, no_calls)
    assert (during.decision, during.rule) == ("allow", "reclaim-when-the-calendar-says")
    again = await engine.evaluate(RECLAIM, no_calls)  # the same minute: not asked again
    assert again.decision == "allow"
    assert len(fake_google.api_calls("GET")) == 1
    # A call no calendar rule covers never reads the calendar.
    await engine.evaluate(
        PolicyRequest(tool="system.disks", risk="read", actor=AUTONOMOUS, resource="host:*"),
        no_calls,
    )
    assert len(fake_google.api_calls("GET")) == 1

    now = datetime(2026, 12, 9, 6, 0, tzinfo=UTC)  # outside the default 03-05 window too
    after = await engine.evaluate(RECLAIM, no_calls)
    assert (after.decision, after.rule) == ("ask", "builtin:autonomous-write")

    # A calendar that cannot be read opens no window: asked, not allowed.
    now = datetime(2026, 12, 9, 1, 45, tzinfo=UTC)
    fake_google.fail_api(500, "Backend Error", "backendError", times=5)
    down = await engine.evaluate(RECLAIM, no_calls)
    assert down.decision == "ask"


def test_a_rule_names_calendars_by_id(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(RULES.replace("google:maint@group.calendar.google.com", "two words"))
    with pytest.raises(BadInput, match="calendars"):
        load_rules(policy)
