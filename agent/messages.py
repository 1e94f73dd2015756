"""How tool outcomes travel inside the graph as tool messages, and how they are read back."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from policies.outcome import ToolOutcome

# Marks AI messages written by the offline router, so follow-ups stay on the same brain.
SOURCE_KEY = "jarvis_source"
ROUTER = "router"
LLM = "llm"


def outcome_content(outcome: ToolOutcome) -> str:
    """The text the model sees for a tool result: status, message and (redacted) data."""
    body: dict[str, Any] = {"status": outcome.status}
    if outcome.message:
        body["message"] = outcome.message
    if outcome.approval_id:
        body["approval_id"] = outcome.approval_id
    if outcome.data is not None:
        body["data"] = outcome.data
    if outcome.untrusted:
        body["untrusted"] = True
    return json.dumps(body, default=str)


def tool_message(call_id: str, name: str, outcome: ToolOutcome) -> ToolMessage:
    """A tool message carrying the outcome (as text for the model, whole as the artifact)."""
    return ToolMessage(
        content=outcome_content(outcome),
        tool_call_id=call_id,
        name=name,
        artifact=outcome.model_dump(mode="json"),
        status="error" if outcome.status in ("error", "denied") else "success",
    )


def read_outcome(message: ToolMessage) -> dict[str, Any]:
    """The outcome dict of a tool message (artifact first, then the JSON text)."""
    if isinstance(message.artifact, dict):
        return message.artifact
    try:
        value = json.loads(str(message.content))
    except ValueError:
        return {"status": "error", "message": str(message.content)}
    return value if isinstance(value, dict) else {"status": "error", "message": str(value)}


def source_of(message: BaseMessage) -> str | None:
    """Which brain wrote an AI message: the offline router or the LLM."""
    if isinstance(message, AIMessage):
        value = message.response_metadata.get(SOURCE_KEY)
        return str(value) if value is not None else None
    return None
