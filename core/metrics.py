"""Jarvis's own Prometheus metrics: one registry, updated by the gate and the notifier."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)

from core.errors import BadInput

# Our own registry, not the library's global one: /metrics shows what Jarvis defines, not
# whatever an imported library registered there.
REGISTRY = CollectorRegistry()
# The `_created` twin of every series only doubles the scrape; Prometheus does not need it.
disable_created_metrics()  # type: ignore[no-untyped-call]
ProcessCollector(registry=REGISTRY)

TOOL_CALLS = Counter(
    "jarvis_tool_calls_total",
    "Tool calls through the gate, by tool and decision: allow (ran), error (ran and failed, "
    "or crashed), ask (an approval was asked), deny, invalid (bad input, nothing ran), "
    "approved (ran after a person approved it).",
    ["tool", "decision"],
    registry=REGISTRY,
)
GATE_SECONDS = Histogram(
    "jarvis_gate_seconds",
    "Time spent in Gate.invoke per call, the tool's own work included.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
NOTIFICATIONS = Counter(
    "jarvis_notifications_total",
    "Notifications by channel (its label, never its URL) and outcome (sent, failed).",
    ["channel", "outcome"],
    registry=REGISTRY,
)

# A gated call's outcome status, as the decision it amounts to.
DECISION_OF_STATUS = {
    "ok": "allow",
    "no_data": "allow",
    "error": "error",
    "approval_required": "ask",
    "denied": "deny",
}


@dataclass
class GateCall:
    """One call being timed; the gate sets `status` from its outcome before the block ends."""

    tool: str
    status: str | None = None


def count_tool_call(tool: str, decision: str) -> None:
    """Count one tool call with its decision."""
    TOOL_CALLS.labels(tool=tool, decision=decision).inc()


def count_notification(channel: str, outcome: str) -> None:
    """Count one notification sent (or failed) on a channel."""
    NOTIFICATIONS.labels(channel=channel, outcome=outcome).inc()


@contextmanager
def gate_call(tool: str) -> Iterator[GateCall]:
    """Time the block and count it under `tool`: by the status it set, or as invalid/error."""
    call = GateCall(tool)
    started = time.perf_counter()
    decision = "error"
    try:
        yield call
        decision = DECISION_OF_STATUS.get(call.status or "", "error")
    except BadInput:
        decision = "invalid"
        raise
    finally:
        GATE_SECONDS.observe(time.perf_counter() - started)
        count_tool_call(tool, decision)
