"""Jarvis's own metrics: a gated call is timed and counted by the decision it came to."""

from __future__ import annotations

import pytest

from core import metrics
from core.errors import BadInput, Unreachable


def count(tool: str, decision: str) -> float:
    found = metrics.REGISTRY.get_sample_value(
        "jarvis_tool_calls_total", {"tool": tool, "decision": decision}
    )
    return found or 0.0


def timed() -> float:
    return metrics.REGISTRY.get_sample_value("jarvis_gate_seconds_count") or 0.0


@pytest.mark.parametrize(
    ("status", "decision"),
    [
        ("ok", "allow"),
        ("no_data", "allow"),
        ("error", "error"),
        ("approval_required", "ask"),
        ("denied", "deny"),
        (None, "error"),  # the block ended without an outcome
    ],
)
def test_each_outcome_counts_as_its_decision(status: str | None, decision: str) -> None:
    tool = f"test.outcome_{status}"
    before, seen = count(tool, decision), timed()
    with metrics.gate_call(tool) as call:
        call.status = status
    assert count(tool, decision) == before + 1
    assert timed() == seen + 1


def test_bad_input_is_invalid_and_a_crash_is_an_error() -> None:
    for error, decision in ((BadInput("no such tool"), "invalid"), (Unreachable("x"), "error")):
        tool = f"test.raises_{decision}"
        before = count(tool, decision)
        with pytest.raises(type(error)), metrics.gate_call(tool):
            raise error
        assert count(tool, decision) == before + 1


def test_notifications_are_counted_by_channel_and_outcome() -> None:
    labels = {"channel": "ntfy://", "outcome": "sent"}
    before = metrics.REGISTRY.get_sample_value("jarvis_notifications_total", labels) or 0.0
    metrics.count_notification("ntfy://", "sent")
    assert metrics.REGISTRY.get_sample_value("jarvis_notifications_total", labels) == before + 1
