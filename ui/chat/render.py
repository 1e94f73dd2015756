"""Turning turn results and approvals into chat messages with widgets."""

from __future__ import annotations

from typing import Any

import chainlit as cl

from agent.turn import ToolCallRecord, TurnResult
from policies.outcome import ApprovalView
from ui.chat import live, speech, widgets
from ui.chat.widgets import media
from ui.chat.widgets.stacks import stacks_panel


def _outcome(record: ToolCallRecord) -> dict[str, Any]:
    return {
        "status": record.status,
        "message": record.message,
        "data": record.data,
        "approval_id": record.approval_id,
        "invocation": {"tool": record.name, "args": record.args},
    }


def element_for(record: ToolCallRecord) -> cl.CustomElement | None:
    """The widget that shows one tool result, when there is one for its tool."""
    if record.status not in ("ok", "no_data") or record.data is None:
        return None
    outcome = _outcome(record)
    if record.name == "docker.list_containers":
        props = widgets.container_table(outcome)
    elif record.name == "system.overview":
        props = widgets.system_overview(outcome)
    elif record.name == "docker.container_logs":
        props = widgets.log_viewer(outcome, str(record.args.get("name", "")))
    elif record.name == "domains.list":
        props = widgets.domain_table(outcome)
    elif record.name in ("domains.status", "domains.provision"):
        props = widgets.provisioning_progress(outcome, str(record.args.get("fqdn", "")))
    elif record.name == "ssl.check_certificate":
        props = widgets.certificate_card(outcome)
    elif record.name in ("findings.list", "checks.run"):
        props = widgets.findings_panel(outcome)
    elif record.name == "runs.list":
        props = widgets.runs_panel(outcome)
    elif record.name in widgets.DB_TOOLS:
        props = widgets.database_panel([outcome])
    elif record.name == "hosts.list":
        props = widgets.hosts_panel(outcome)
    elif record.name in ("ha.get_entity", "ha.list_entities"):
        props = widgets.entity_card(outcome, record.args.get("integration"))
    elif record.name in media.PROPS:
        props = media.PROPS[record.name](outcome)
    elif record.name == "stacks.list":
        props = stacks_panel(outcome)
    else:
        return None
    return cl.CustomElement(name=widgets.WIDGET_FOR_TOOL[record.name], props=props)


def approval_element(view: ApprovalView) -> cl.CustomElement:
    """The approval card for one approval, remembered so an answer elsewhere updates it."""
    element = cl.CustomElement(name="ApprovalCard", props=widgets.approval_card(view))
    live.remember_card(view.id, element)
    return element


def elements_for(result: TurnResult) -> list[cl.Element]:
    """Every widget a turn's answer carries: result panels first, then approval cards."""
    out: list[cl.Element] = []
    # A turn's database reads (servers, their databases, backups) make one panel.
    reads = [r for r in result.tool_calls if r.name in widgets.DB_TOOLS]
    # A server whose listing failed shows as down; other failures are said in the reply.
    down = ("db.list_databases", "db.server_info")
    answered = [
        r
        for r in reads
        if r.status in ("ok", "no_data") or (r.status == "error" and r.name in down)
    ]
    for record in result.tool_calls:
        if record.name in widgets.DB_TOOLS:
            if answered and record is answered[0]:
                props = widgets.database_panel([_outcome(r) for r in answered])
                out.append(cl.CustomElement(name=widgets.DATABASE_PANEL, props=props))
            continue
        element = element_for(record)
        if element is not None:
            out.append(element)
    out.extend(approval_element(a) for a in result.approvals)
    return out


async def send_result(result: TurnResult, message: cl.Message | None = None) -> None:
    """Send the reply with its widgets, or finish the message its tokens streamed into."""
    msg = message or cl.Message(content="")
    streamed = message is not None and message.streaming
    msg.content = result.reply
    spoken = speech.element(result.reply)
    msg.elements = elements_for(result) + ([spoken] if spoken is not None else [])
    if streamed:
        await msg.update()
    else:
        await msg.send()
