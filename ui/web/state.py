"""The web app's shared state, reachable from module-level Chainlit handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.runtime import Runtime
from core.settings import Settings
from policies.outcome import ApprovalView
from ui.web.accounts import AccountStore, LoginLimiter
from ui.web.apikeys import ApiKeyStore

if TYPE_CHECKING:
    from agent.service import Agent

DecisionHook = Callable[[ApprovalView], Awaitable[None]]
StartupHook = Callable[["WebState"], AbstractAsyncContextManager[None]]

# The client address of the request being served (set by the app's middleware), so the
# Chainlit login callback, which only receives username and password, can rate-limit by it.
CLIENT_ADDRESS: ContextVar[str | None] = ContextVar("jarvis_client_address", default=None)


@dataclass
class WebState:
    """Everything request handlers need, made once in the app's lifespan."""

    settings: Settings
    runtime: Runtime
    accounts: AccountStore
    apikeys: ApiKeyStore
    limiter: LoginLimiter
    # Resumes the chat graph that waits on an approval decided outside the chat (REST).
    after_decision: DecisionHook | None = None
    # The chat agent, when a startup hook opened one.
    agent: Agent | None = None


_state: WebState | None = None
_startup_hooks: list[StartupHook] = []


def set_state(state: WebState | None) -> None:
    """Install (or clear, with None) the state of the running app."""
    global _state  # noqa: PLW0603  (one app per process; Chainlit handlers are module-level)
    _state = state


def get_state() -> WebState:
    """The state of the running app; fails loudly when the app has not started."""
    if _state is None:
        raise RuntimeError("the Jarvis web app has not started (no state set)")
    return _state


def on_startup(hook: StartupHook) -> StartupHook:
    """Register a context manager the app enters after setting the state and exits at shutdown."""
    # Modules loaded before the app starts (the Chainlit chat) open what they need this way,
    # e.g. the agent, and set `state.agent` and `state.after_decision`.
    if hook not in _startup_hooks:
        _startup_hooks.append(hook)
    return hook


def startup_hooks() -> list[StartupHook]:
    """The registered startup hooks, in registration order."""
    return list(_startup_hooks)
