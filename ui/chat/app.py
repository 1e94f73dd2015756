"""The Chainlit chat: messages go through the agent, widgets answer, approvals wait on cards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.types import CommandDict, ThreadDict
from pydantic import ValidationError

import ui.chat.auth
import ui.chat.broadcast  # draws events into the open chats (a startup hook)
import ui.chat.voice  # the microphone: on_audio_start / _chunk / _end
import ui.chat.wiring  # noqa: F401  (opens the agent with the app)
from core.errors import JarvisError
from core.logging import get_logger
from policies.wording import sentence
from ui.chat import attachments, dashboard, live, progress, render, speech, turns, widgets
from ui.web.state import get_state

log = get_logger("chat")
COMMANDS: list[CommandDict] = [
    {
        "id": "dashboard",
        "icon": "layout-dashboard",
        "description": "Overview: system, containers, open problems and approvals",
        "button": True,
        "persistent": False,
        "selected": False,
    }
]


@cl.set_starters
async def starters(_user: cl.User | None = None, _language: str | None = None) -> list[cl.Starter]:
    """Suggestions on the welcome screen, the dashboard first."""
    return [
        cl.Starter(label="Dashboard", message="/dashboard", command="dashboard"),
        cl.Starter(label="Show my containers", message="show my containers"),
        cl.Starter(label="What's wrong?", message="what's wrong"),
        cl.Starter(label="Disk space", message="what's using the disk"),
    ]


@cl.on_chat_start
async def on_chat_start() -> None:
    """Offer the dashboard command and remember which thread this session shows."""
    live.remember(cl.context.session.thread_id, cl.context.session.id)
    await cl.context.emitter.set_commands(COMMANDS)
    await speech.offer()


@cl.on_chat_resume
async def on_chat_resume(thread: ThreadDict) -> None:
    """Reopened thread: redraw approvals still waiting, since buttons are not persisted."""
    live.remember(thread["id"], cl.context.session.id)
    await cl.context.emitter.set_commands(COMMANDS)
    await speech.offer()
    gate = get_state().runtime.gate
    pending = await gate.approvals.for_thread(thread["id"], status="pending")
    if pending:
        views = [gate.approvals.view(row) for row in pending]
        await cl.Message(
            content=f"{len(views)} change(s) in this conversation still wait for your answer:",
            elements=[render.approval_element(v) for v in views],
        ).send()


async def _read_files(message: cl.Message) -> None:
    """Each attached file read and answered (Compose file, Caddyfile, log); nothing changes."""
    gate = get_state().runtime.gate
    for element in message.elements or []:
        if not element.path:
            continue
        try:
            with progress.following():
                text = await attachments.answer(
                    gate, live.call_context(), element.name, Path(element.path)
                )
        except JarvisError as exc:
            text = f"{element.name}: {exc.message}"
        except OSError as exc:
            log.warning("attachment_unreadable", error_type=type(exc).__name__)
            text = f"{element.name}: the upload could not be read"
        await cl.Message(content=text).send()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    """One turn: the router (or the model) answers, streaming, with widgets."""
    if message.command == "dashboard" or message.content.strip() == "/dashboard":
        await dashboard.send()
        return
    if message.elements:
        # Words sent with files are about the files, which are answered one by one.
        await _read_files(message)
        return
    await turns.run_turn(message.content)


@cl.action_callback(widgets.ACTION_DECIDE)
async def on_decide(action: cl.Action) -> dict[str, Any]:
    """Approve or reject from a card; the card gets its new state, the waiting graph goes on."""
    state = get_state()
    try:
        payload = widgets.DecidePayload.model_validate(action.payload)
        with progress.following():
            view = await state.runtime.gate.decide(
                payload.approval_id, approve=payload.approve, by=live.actor()
            )
    except ValidationError:
        return {"error": "invalid request"}
    except JarvisError as exc:
        return {"error": exc.message}
    if state.agent is not None:
        result = await state.agent.after_decision(view)
        if result is not None:
            await render.send_result(result)
    return widgets.approval_card(view)


@cl.action_callback(widgets.ACTION_TOOL)
async def on_tool(action: cl.Action) -> dict[str, Any]:
    """A widget button: the call goes through the gate like any other."""
    gate = get_state().runtime.gate
    try:
        payload = widgets.ToolActionPayload.model_validate(action.payload)
        ctx = live.call_context()
        with progress.following():
            outcome = await gate.invoke(ctx, payload.tool, payload.args)
    except ValidationError:
        return {"status": "error", "message": "invalid request"}
    except JarvisError as exc:
        return {"status": "error", "message": exc.message}
    if outcome.status == "approval_required" and outcome.approval_id:
        view = gate.approvals.view(await gate.approvals.get(outcome.approval_id))
        await cl.Message(
            content=f"{sentence(view)}. It needs your approval (the card below).",
            elements=[render.approval_element(view)],
        ).send()
    elif outcome.status in ("ok", "no_data") and payload.tool == "docker.container_logs":
        name = str(payload.args.get("name", ""))
        props = widgets.log_viewer(outcome.model_dump(mode="json"), name)
        where = f" on {props['host']}" if props["host"] else ""
        element = cl.CustomElement(name="LogViewer", props=props)
        await cl.Message(content=f"Logs of {name}{where}:", elements=[element]).send()
    return widgets.tool_reply(outcome.model_dump(mode="json"))


@cl.action_callback(widgets.ACTION_LOGS)
async def on_logs(action: cl.Action) -> dict[str, Any]:
    """Follow mode of the log viewer: lines since the last poll."""
    gate = get_state().runtime.gate
    try:
        payload = widgets.LogsPayload.model_validate(action.payload)
        ctx = live.call_context()
        args: dict[str, Any] = {**payload.args(), "timestamps": True}
        if payload.since:
            args["since"] = payload.since
        outcome = await gate.invoke(ctx, "docker.container_logs", args)
    except ValidationError:
        return {"error": "invalid request"}
    except JarvisError as exc:
        return {"error": exc.message}
    return widgets.log_lines_reply(outcome.model_dump(mode="json"), payload.since)


@cl.action_callback(widgets.ACTION_DOMAIN_STATUS)
async def on_domain_status(action: cl.Action) -> dict[str, Any]:
    """Live updates for the provisioning progress panel."""
    gate = get_state().runtime.gate
    try:
        payload = widgets.DomainStatusPayload.model_validate(action.payload)
        ctx = live.call_context()
        outcome = await gate.invoke(ctx, "domains.status", {"fqdn": payload.fqdn})
    except ValidationError:
        return {"error": "invalid request"}
    except JarvisError as exc:
        return {"error": exc.message}
    return widgets.provisioning_progress(outcome.model_dump(mode="json"), payload.fqdn)


@cl.action_callback(widgets.ACTION_REFRESH)
async def on_refresh(_action: cl.Action) -> dict[str, Any]:
    """Fresh numbers for the system overview panel."""
    return await dashboard.overview_props()
