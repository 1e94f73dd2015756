"""A plan from the offline router alone: the tool calls a request maps to, nothing run.

It needs the router and the container names, not the graph, the checkpointer or a model, so
`jarvis ask --plan` answers without loading them. The reply is the one the router gives as a
chat model (`OfflineRouter`) when `Agent.plan` asks it.
"""

from __future__ import annotations

from agent.router import Calls, Clarify, Inventory, route
from agent.router import help as helptext
from agent.turn import ToolCallRecord, TurnResult

PLAN_THREAD = "plan"


def offline_plan(text: str, inventory: Inventory, *, fallback: bool) -> TurnResult | None:
    """The router's plan for `text`; None when it matched nothing and `fallback` may answer."""
    routed = route(text.strip(), inventory)
    if isinstance(routed, Calls):
        records = [
            ToolCallRecord(name=c.tool, args=dict(c.args), status="planned") for c in routed.calls
        ]
        words = "Would run: " + ", ".join(f"{r.name}({r.args})" for r in records)
        return TurnResult(reply=words if records else "", thread_id=PLAN_THREAD, tool_calls=records)
    if isinstance(routed, Clarify):
        return TurnResult(reply=routed.question, thread_id=PLAN_THREAD)
    if fallback:
        return None
    return TurnResult(reply=f"{routed.help} {helptext.NO_MODEL}", thread_id=PLAN_THREAD)
