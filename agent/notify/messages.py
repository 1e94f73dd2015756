"""What each event says to the owner, in a few plain lines."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from agent.notify.channels import RANK, Severity
from core.events import Event
from policies.links import LinkSigner
from policies.outcome import ApprovalView

MAX_ARGS = 300


class Message(BaseModel):
    """One message for the channels."""

    title: str
    body: str
    severity: Severity
    # Messages about the same thing within the quiet period are sent once.
    quiet_key: str | None = None
    # Approvals and summaries reach every channel, whatever its minimum severity.
    always: bool = False
    # Kept apart from the body: the body is scrubbed for secrets, the link is ours to send.
    link: str | None = None

    @property
    def text(self) -> str:
        """The body with the link, as sent."""
        return f"{self.body}\nApprove or reject: {self.link}" if self.link else self.body


def _who(actor: str) -> str:
    if actor == "agent:autonomous":
        return "the background agent"
    if actor.startswith("user:"):
        return f"{actor.removeprefix('user:')} (in a chat or the CLI)"
    return actor


def approval_message(view: ApprovalView, link: str | None) -> Message:
    """A new approval: what, on which resource, why, risk, who asked, and the link."""
    args = ", ".join(f"{k}={v}" for k, v in view.args.items())
    if len(args) > MAX_ARGS:
        args = args[: MAX_ARGS - 3] + "..."
    lines = [
        f"{view.tool} on {view.resource}" + (f" ({args})" if args else ""),
        f"Risk: {view.risk}. Asked by {_who(view.actor)}.",
        f"Why: {view.reason}",
    ]
    if view.purpose:
        lines.append(view.purpose)
    lines.append(f"Expires {view.expires_at:%Y-%m-%d %H:%M} UTC.")
    if not link:
        lines.append(f"Answer with `jarvis approvals approve {view.id}` (or reject).")
    return Message(
        title=f"Approval needed: {view.tool} on {view.resource}",
        body="\n".join(lines),
        severity="warning",
        always=True,
        link=link,
    )


def finding_message(data: dict[str, Any]) -> Message:
    """A new finding."""
    remedy = data.get("remedy") or {}
    body = data.get("summary", "")
    if remedy:
        body += f"\nProposed repair: {remedy.get('tool')} ({remedy.get('why', '')})"
    severity = data.get("severity", "warning")
    return Message(
        title=f"[{severity}] {data.get('resource')}: {data.get('check')}",
        body=body,
        severity=severity if severity in RANK else "warning",
        quiet_key=f"finding:{data.get('check')}:{data.get('resource')}",
    )


def run_message(data: dict[str, Any]) -> Message | None:
    """A failed run, repairs the agent made by itself, or the daily summary; else None."""
    summary = data.get("summary") or ""
    if data.get("kind") == "summary" and data.get("status") == "succeeded":
        return Message(title="Jarvis daily summary", body=summary, severity="info", always=True)
    if data.get("status") == "failed" and data.get("kind") != "repair":
        # What went wrong with each repair (a deploy rolled back says where it went back to).
        failed = [
            f"{a.get('tool')} on {a.get('resource')}: {a.get('message')}"
            for a in data.get("actions") or []
            if isinstance(a, dict) and a.get("status") == "failed" and a.get("message")
        ]
        body = "\n".join([summary, *failed])
        return Message(title=f"Run {data.get('kind')} failed", body=body, severity="warning")
    done = [a for a in data.get("actions") or [] if isinstance(a, dict) and a.get("status") == "ok"]
    if done:
        # The background agent changed something by itself: the owner hears of it, whatever
        # the finding's severity was.
        lines = [
            f"{a.get('tool')} on {a.get('resource')}: {a.get('message') or 'done'}" for a in done
        ]
        return Message(
            title=f"Jarvis repaired {len(done)} thing(s) by itself",
            body="\n".join(lines),
            severity="info",
            always=True,
        )
    return None


def message_for(event: Event, signer: LinkSigner, base_url: str | None) -> Message | None:
    """The message an event deserves, or None."""
    if event.kind == "approval.created":
        view = ApprovalView.model_validate(event.data)
        link = signer.link(base_url, view) if base_url else None
        return approval_message(view, link)
    if event.kind == "finding.opened":
        return finding_message(event.data)
    if event.kind == "run.finished":
        return run_message(event.data)
    return None


def fold(messages: list[Message]) -> Message:
    """A burst as one message, the most severe first."""
    if len(messages) == 1:
        return messages[0]
    ordered = sorted(messages, key=lambda m: -RANK[m.severity])
    body = "\n\n".join(f"{m.title}\n{m.text}" for m in ordered)
    return Message(
        title=f"{len(messages)} updates from Jarvis: {ordered[0].title}",
        body=body,
        severity=ordered[0].severity,
        always=any(m.always for m in messages),
    )
