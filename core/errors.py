"""Typed errors shared by clients and tools, each with a message fit for a person."""

from __future__ import annotations

from typing import Any


class JarvisError(Exception):
    """Base of every error Jarvis turns into a clear message."""

    kind = "error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Structured facts for the caller (e.g. what a rolled-back edit did).
        self.details = details


class BadInput(JarvisError):
    """The request itself is wrong: unknown tool, invalid arguments, bad file."""

    kind = "bad_input"


class NotAllowed(JarvisError):
    """The policy does not allow this command, path or target."""

    kind = "denied"


class NotReady(JarvisError):
    """A change that cannot work until something is configured or started; nothing is asked."""

    kind = "not_ready"


class NothingToDo(JarvisError):
    """A change that would change nothing (nothing to remove, already so); nothing is asked."""

    kind = "nothing_to_do"


class Unreachable(JarvisError):
    """An external system did not answer."""

    kind = "unreachable"


class BadReply(Unreachable):
    """An external system answered, but not with what its API documents (wrong URL, proxy page)."""

    kind = "bad_reply"


class AuthFailed(JarvisError):
    """An external system refused our credentials."""

    kind = "auth_failed"


class NotFound(JarvisError):
    """The named thing does not exist."""

    kind = "not_found"


class Conflict(JarvisError):
    """The change clashes with the current state."""

    kind = "conflict"


class RateLimited(JarvisError):
    """An external system asked us to slow down."""

    kind = "rate_limited"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


class ChangeFailed(JarvisError):
    """A change did not take; what it did was rolled back."""

    kind = "change_failed"
