"""Replies about domain workflows: a failure is said once, in one sentence."""

from __future__ import annotations

from datetime import UTC, datetime

from agent.router import domain_text
from tools.domains.views import StepView, TaskOutcome, TaskView

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
ERROR = (
    "provisioning a.example.test failed at step 1 (detect_ip): no resolver answered "
    "(ConnectError: [Errno -3] Temporary failure in name resolution); rolled back: nothing"
)
SUMMARY = "Provisioning a.example.test failed at step 1 (detect ip): no resolver answered."


def failed(summary: str | None) -> dict[str, object]:
    task = TaskView(
        id=1, kind="provision", status="failed", current_step="detect_ip", attempts=1,
        steps=[StepView(name="detect_ip", done=False, at=None)], error=ERROR, summary=summary,
        created_at=NOW,
    )  # fmt: skip
    result = TaskOutcome(fqdn="a.example.test", task=task, succeeded=False, message=summary or "")
    return result.model_dump(mode="json")


def test_a_failed_provision_is_said_once() -> None:
    text = domain_text.workflow({"fqdn": "a.example.test", "target": "app:80"}, failed(SUMMARY))
    assert text.count("no resolver answered") == 1, text
    assert text.splitlines()[0] == SUMMARY
    assert "Errno" not in text and "…" not in text


def test_the_status_of_a_failed_domain_says_it_once() -> None:
    data = failed(SUMMARY)
    status = {"domain": {"fqdn": "a.example.test", "status": "failed"}, "tasks": [data["task"]]}
    text = domain_text.status({"fqdn": "a.example.test"}, status)
    assert text.count("no resolver answered") == 1, text
