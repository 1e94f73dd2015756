"""The chat model: an OpenAI-compatible endpoint built from settings, and its failures in words.

The OpenAI client is imported only when a model is built: the offline router never needs it,
and it takes a second to import. An error of a library that was never imported cannot have been
raised, so the classification below looks its classes up among the loaded modules.
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeGuard
from urllib.parse import urlsplit

from langchain_core.exceptions import ContextOverflowError
from pydantic import SecretStr, ValidationError

from core.errors import (
    AuthFailed,
    BadInput,
    JarvisError,
    NotFound,
    RateLimited,
    Unreachable,
)
from core.settings import Settings

if TYPE_CHECKING:
    import openai
    from langchain_core.language_models import BaseChatModel

OPENAI_BASE_URL = "https://api.openai.com/v1"
# Local servers (Ollama, vLLM, llama.cpp) ignore the key, but the OpenAI client insists on one.
LOCAL_API_KEY = "local-no-key"  # a placeholder, not a credential
MAX_RETRIES = 1
UNKNOWN_ENDPOINT = "the configured endpoint"
# Failures that carry no request (a body that is not JSON) still name the endpoint through this.
ENDPOINT_NOTE = "language model endpoint: "


class MalformedReplyError(ValueError):
    """The endpoint answered, but not with a chat completion Jarvis can read."""


def build_llm(settings: Settings) -> BaseChatModel | None:
    """The configured OpenAI-compatible chat model, or None when no endpoint or key is set."""
    if not settings.llm_configured:
        return None
    # Imported here, not at the top: the OpenAI client is slow to import and offline never uses it.
    from agent.llm_client import EndpointChatOpenAI

    timeout = settings.llm_timeout_seconds
    return EndpointChatOpenAI(
        model=settings.llm_model,
        # Explicit, so OPENAI_BASE_URL / OPENAI_API_KEY in the environment never redirect it.
        base_url=settings.llm_base_url or OPENAI_BASE_URL,
        api_key=settings.llm_api_key or SecretStr(LOCAL_API_KEY),
        timeout=timeout,
        # One retry rides out a blip; more would keep the user waiting on a dead endpoint.
        max_retries=MAX_RETRIES,
        stream_usage=True,
        # Chat Completions is what every OpenAI-compatible server speaks.
        use_responses_api=False,
        # A stream that goes silent is given up after the same timeout as a request.
        stream_chunk_timeout=timeout,
        openai_proxy=None,
    )


def endpoint_host(url: str | None) -> str | None:
    """The host (and port) of an endpoint URL, never its user name or password."""
    if not url:
        return None
    parts = urlsplit(url if "://" in url else f"//{url}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def llm_error(exc: BaseException, *, endpoint: str | None = None) -> JarvisError:
    """The failure of a chat-model call as a typed error whose message is one clear sentence."""
    found = _find(exc)
    where = _host_of(exc, endpoint)
    if isinstance(found, JarvisError):
        return found
    if isinstance(found, ContextOverflowError):
        return BadInput(
            f"The conversation is too long for the model at {where}; start a new one or "
            "use a model with a larger context window."
        )
    if _is_status_error(found):
        return _status_error(found, where)
    if _is_timeout(found):
        return Unreachable(
            f"The language model at {where} did not answer in time; it may be busy or slow, "
            "so try again or raise llm_timeout_seconds."
        )
    if _is_refused(found):
        return Unreachable(
            f"Could not connect to the language model at {where} (connection refused or host "
            "not found); check that it is running and that llm_base_url is right."
        )
    if _is_malformed(found):
        return JarvisError(
            f"The language model at {where} sent a reply that is not a valid OpenAI chat "
            "completion; check that llm_base_url points to an OpenAI-compatible API."
        )
    if _is_dropped(found):
        return Unreachable(
            f"The connection to the language model at {where} broke off before a full reply "
            "arrived; try again."
        )
    return JarvisError(
        f"The call to the language model at {where} failed unexpectedly "
        f"({type(found).__name__}); see the logs for details."
    )


def describe_llm_error(exc: BaseException, *, endpoint: str | None = None) -> str:
    """One sentence for the user saying why a chat-model call failed (no key, no traceback)."""
    return llm_error(exc, endpoint=endpoint).message


# -- classification --------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then its causes and contexts (and a group's first member), no cycles."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup) and current.exceptions:
            current = current.exceptions[0]
        else:
            current = current.__cause__ or current.__context__


def _known(exc: BaseException) -> bool:
    return isinstance(exc, (JarvisError, ContextOverflowError, *_openai("OpenAIError"))) or any(
        check(exc) for check in (_is_timeout, _is_refused, _is_malformed, _is_dropped)
    )


def _find(exc: BaseException) -> BaseException:
    """The first exception in the chain we can explain (wrappers hide the real failure)."""
    return next((e for e in _chain(exc) if _known(e)), exc)


def _loaded(name: str, *modules: str) -> tuple[type[BaseException], ...]:
    """The exception class `name` of each module that is loaded (none raised it otherwise)."""
    found: list[type[BaseException]] = []
    for module_name in modules:
        cls = getattr(sys.modules.get(module_name), name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


def _openai(name: str) -> tuple[type[BaseException], ...]:
    return _loaded(name, "openai")


def _http_errors(name: str) -> tuple[type[BaseException], ...]:
    """An exception class from httpx and from httpx2 (openai 3 uses the latter)."""
    return _loaded(name, "httpx", "httpx2")


def _is_status_error(exc: BaseException) -> TypeGuard[openai.APIStatusError]:
    return isinstance(exc, _openai("APIStatusError"))


def _is_timeout(exc: BaseException) -> bool:
    # TimeoutError also covers langchain-openai's StreamChunkTimeoutError.
    return isinstance(
        exc, (TimeoutError, *_openai("APITimeoutError"), *_http_errors("TimeoutException"))
    )


def _is_refused(exc: BaseException) -> bool:
    if isinstance(exc, (ConnectionRefusedError, socket.gaierror, *_http_errors("ConnectError"))):
        return True
    # openai wraps the transport error; only a failure to connect means the endpoint is down.
    if isinstance(exc, _openai("APIConnectionError")) and not isinstance(
        exc, _openai("APITimeoutError")
    ):
        cause = exc.__cause__ or exc.__context__
        return cause is not None and _is_refused(cause)
    return False


def _is_malformed(exc: BaseException) -> bool:
    return isinstance(
        exc,
        (
            json.JSONDecodeError,
            MalformedReplyError,
            ValidationError,
            UnicodeDecodeError,
            *_openai("APIResponseValidationError"),
            *_http_errors("DecodingError"),
        ),
    )


def _is_dropped(exc: BaseException) -> bool:
    protocol = (*_http_errors("RemoteProtocolError"), *_http_errors("ReadError"))
    return isinstance(exc, (ConnectionError, *_openai("APIConnectionError"), *protocol))


def _status_error(exc: openai.APIStatusError, where: str) -> JarvisError:
    status = exc.status_code
    if status == 401:
        return AuthFailed(
            f"The language model at {where} rejected the API key (HTTP 401); check llm_api_key."
        )
    if status == 403:
        return AuthFailed(
            f"The language model at {where} refused access (HTTP 403); check that llm_api_key "
            "may use this model."
        )
    if status == 404:
        model = _model_of(exc)
        named = f"The model '{model}'" if model else "The model"
        return NotFound(
            f"{named} was not found at {where} (HTTP 404); check llm_model and llm_base_url."
        )
    if status == 429 and exc.code == "insufficient_quota":
        # OpenAI sends 429 for an exhausted account too; waiting does not help there.
        return JarvisError(
            f"The account at {where} has run out of quota (HTTP 429); check its plan and billing."
        )
    if status == 429:
        retry_after = _retry_after(exc)
        wait = f"wait {retry_after:g} s and try again" if retry_after else "try again shortly"
        return RateLimited(
            f"The language model at {where} is rate limiting us (HTTP 429); {wait}.",
            retry_after=retry_after,
        )
    if status >= 500:
        return Unreachable(
            f"The language model at {where} had a server error (HTTP {status}); try again later."
        )
    return BadInput(f"The language model at {where} rejected the request (HTTP {status}).")


def _request_of(exc: BaseException) -> Any:
    # APIError always has a request; read it defensively since tests build errors by hand.
    return getattr(exc, "request", None) if isinstance(exc, _openai("APIError")) else None


def _host_of(exc: BaseException, endpoint: str | None) -> str:
    for item in _chain(exc):
        request = _request_of(item)
        if request is not None:
            try:
                host = endpoint_host(str(request.url))
            except (AttributeError, RuntimeError):
                host = None
            if host:
                return host
        for note in getattr(item, "__notes__", ()):
            if isinstance(note, str) and note.startswith(ENDPOINT_NOTE):
                return note.removeprefix(ENDPOINT_NOTE)
    return endpoint_host(endpoint) or UNKNOWN_ENDPOINT


def _model_of(exc: openai.APIStatusError) -> str | None:
    request = _request_of(exc)
    try:
        body = json.loads(request.content) if request is not None else None
    except (ValueError, TypeError, AttributeError, RuntimeError):
        return None
    model = body.get("model") if isinstance(body, dict) else None
    # Only a plausible model name is echoed, never an arbitrary payload.
    if isinstance(model, str) and 0 < len(model) <= 100 and model.isprintable():
        return model
    return None


def _retry_after(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None
