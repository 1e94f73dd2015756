"""What the open chats are told about events: which runs are news, and the lines and panels
drawn for approvals, findings and runs (the live drawing itself: tests/ui/e2e/test_live_events.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.events import Event
from policies.outcome import ApprovalView
from ui.chat import broadcast
from ui.chat.broadcast import Broadcaster, approval_text, finding_props, run_is_news, run_text


def run(**kw: Any) -> dict[str, Any]:
    base = {"id": "r1", "kind": "remediate", "trigger": "schedule", "status": "succeeded"}
    return {**base, "summary": "5 checks, all clear", "findings": [], "actions": [], **kw}


def test_quiet_scheduled_passes_and_repairs_are_not_news() -> None:
    assert not run_is_news(run())
    assert not run_is_news(run(kind="diagnose", findings=[{"id": "f", "new": False}]))
    assert not run_is_news(run(kind="diagnose", trigger="event"))
    assert not run_is_news(run(kind="repair", trigger="event", parent_id="r0"))
    assert not run_is_news(run(kind="remediate", parent_id="r0", status="failed"))


def test_failures_manual_runs_changes_and_new_problems_are_news() -> None:
    assert run_is_news(run(status="failed"))
    assert run_is_news(run(trigger="manual"))
    assert run_is_news(run(findings=[{"id": "f", "new": True}]))
    assert run_is_news(run(actions=[{"status": "ok"}]))
    assert run_is_news(run(approvals=["a1"]))
    assert run_is_news(run(kind="maintenance"))
    assert run_is_news(run(kind="summary"))


def test_the_run_line_names_kind_outcome_and_summary_as_data() -> None:
    line = run_text(run(summary="1 problem(s): `x`\nline two"))
    assert line == "Background run remediate finished: 1 problem(s): 'x' line two"
    assert run_text(run(status="failed", summary=None, error="boom")).startswith(
        "Background run remediate failed: boom"
    )


def view(**kw: Any) -> ApprovalView:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "id": "a1",
        "tool": "docker.start_container",
        "args": {"name": "web"},
        "risk": "write",
        "resource": "container:web",
        "actor": "agent:autonomous",
        "rule": None,
        "reason": "no rule allows this call",
        "diff": None,
        "status": "pending",
        "created_at": now,
        "expires_at": now + timedelta(hours=1),
        "decided_by": None,
        "decided_at": None,
        "finished_at": None,
        "thread_id": None,
        "run_id": "r1",
    }
    return ApprovalView.model_validate({**base, **kw})


def test_the_approval_line_says_what_who_and_why() -> None:
    text = approval_text(view(purpose="finding: web exited\n[click](http://x)"))
    assert text.startswith(
        "New approval: `docker.start_container` on `container:web`, asked by the background agent"
    )
    assert "(no rule allows this call)." in text and "\n" not in text
    # A person's name is code: Markdown would take ":evin" for a directive.
    assert "asked by `user:evin`" in approval_text(view(actor="user:evin"))


def test_a_finding_becomes_a_one_row_findings_panel() -> None:
    data = {
        "id": "f1",
        "check": "containers.exited",
        "resource": "container:web",
        "severity": "critical",
        "summary": "web exited unexpectedly with code 3",
        "count": 1,
        "first_seen": "2026-01-01T00:00:00+00:00",
        "last_seen": "2026-01-01T00:00:00+00:00",
    }
    props = finding_props(data)
    assert props["mode"] == "open" and props["counts"]["critical"] == 1
    [row] = props["findings"]
    assert row["resource"] == "container:web" and row["summary"].startswith("web exited")
    assert broadcast.finding_text(data) == (
        "New problem (critical, `containers.exited`) on `container:web`."
    )


def test_the_listener_never_blocks_or_raises(monkeypatch: Any) -> None:
    monkeypatch.setattr(broadcast, "QUEUE_MAX", 2)
    # The listener never touches the gate.
    b = Broadcaster(gate=None)  # type: ignore[arg-type]
    for n in range(5):
        b.listen(Event(kind="run.finished", data={"n": n}))
    assert b.queue.qsize() == 2
