"""Opens the agent with the web app and connects approval decisions to waiting threads."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from agent.models import build_model
from agent.service import Agent
from core.logging import get_logger
from policies.outcome import ApprovalView
from ui.chat import dashboard, live, render
from ui.web.state import WebState, on_startup

log = get_logger("chat.wiring")


async def resume_and_show(agent: Agent, view: ApprovalView) -> None:
    """Resume the thread waiting on this approval and show its answer where it is open."""
    result = await agent.after_decision(view)
    if result is not None and view.thread_id is not None:
        await live.push(view.thread_id, lambda: render.send_result(result))


@on_startup
@asynccontextmanager
async def open_agent(state: WebState) -> AsyncIterator[None]:
    """The chat agent for the app's lifetime, plus the dashboard's history sampler."""
    async with Agent.open(state.runtime, build_model(state.runtime)) as agent:
        state.agent = agent

        async def after_decision(view: ApprovalView) -> None:
            await resume_and_show(agent, view)

        state.after_decision = after_decision
        sampler = asyncio.create_task(dashboard.sample_forever())
        try:
            yield
        finally:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
            state.agent = None
            state.after_decision = None


async def _resume_domain_tasks(state: WebState) -> None:
    """Finish provisioning runs that a previous server process left half done."""
    from tools.workflows.domain_env import DomainEnv
    from tools.workflows.domains import resume_unfinished

    try:
        async with DomainEnv.from_settings(state.settings, state.runtime.db) as env:
            for task in await resume_unfinished(state.runtime.db, env):
                log.info("domain_task_resumed", task=task.id, status=str(task.status))
    except Exception as exc:  # start-up goes on; the task stays recorded for the next start
        log.warning("domain_resume_failed", error_type=type(exc).__name__)


@on_startup
@asynccontextmanager
async def resume_domain_work(state: WebState) -> AsyncIterator[None]:
    """At start-up, resume interrupted domain workflows in the background."""
    task = None
    if state.settings.domains.provider != "none":
        task = asyncio.create_task(_resume_domain_tasks(state))
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
