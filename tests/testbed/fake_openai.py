"""A real local HTTP server speaking OpenAI's chat-completions protocol, scripted by the test."""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest

FAKE_API_KEY = "sk-fake-0123456789abcdef"  # made up; the fake server expects it
DEFAULT_MODELS = ("gpt-5", "gpt-5-mini", "llama3.1")
# Answered when a test asks more than it pushed, so the assertion shows what went wrong.
NO_REPLY_TEXT = "fake-openai: no reply was pushed"

FailMode = Literal[
    "unauthorized",  # 401 with OpenAI's error body
    "forbidden",  # 403
    "model_not_found",  # 404 with code model_not_found
    "rate_limited",  # 429 with Retry-After
    "quota_exceeded",  # 429 with code insufficient_quota, no Retry-After
    "server_error",  # 500
    "slow",  # no answer until slow_seconds have passed
    "garbage",  # 200 whose body is not JSON (not SSE data either, when streaming)
    "truncated",  # a body cut off mid-JSON (SSE: one good chunk, then half of one)
    "wrong_shape",  # valid JSON that is not a chat completion
    "dropped",  # the connection closes before the promised body is complete
    "down",  # the listener is closed: connection refused
]


@dataclass
class ReceivedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any = None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages sent (empty for non-chat requests)."""
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The tool definitions sent."""
        return list(self.body.get("tools", []) or []) if isinstance(self.body, dict) else []

    @property
    def tool_names(self) -> list[str]:
        """The names of the tools sent."""
        return [str(t.get("function", {}).get("name")) for t in self.tools]

    @property
    def stream(self) -> bool:
        """Whether the client asked for server-sent events."""
        return isinstance(self.body, dict) and bool(self.body.get("stream"))

    @property
    def authorization(self) -> str | None:
        """The Authorization header, if any."""
        return self.headers.get("authorization")


@dataclass
class _ToolCall:
    name: str
    arguments: str
    call_id: str


@dataclass
class _Reply:
    text: str | None = None
    tool_calls: list[_ToolCall] = field(default_factory=list)


class FakeOpenAI:
    """The server plus its script: push replies, switch failures on, read what arrived."""

    def __init__(
        self,
        api_key: str | None = FAKE_API_KEY,
        *,
        models: tuple[str, ...] = DEFAULT_MODELS,
        slow_seconds: float = 5.0,
        retry_after: int = 1,
        chunk_size: int = 4,
    ) -> None:
        self.api_key = api_key
        self.models = models
        self.slow_seconds = slow_seconds
        self.retry_after = retry_after
        # Small pieces make every reply a real multi-chunk stream.
        self.chunk_size = chunk_size
        self.requests: list[ReceivedRequest] = []
        # Bugs in the fake itself, so a test can tell them from the failures it asked for.
        self.errors: list[str] = []
        self._replies: deque[_Reply] = deque()
        self._mode: FailMode | None = None
        self._mode_left: int | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self._counter = 0

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        """Listen on 127.0.0.1 (a free port the first time, the same port after)."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.fake = self
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-openai-{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listener and wake any handler that is stalling on purpose."""
        self._stopping.set()
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port (kept while the server is down)."""
        return self._port

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, with the /v1 prefix."""
        return f"http://127.0.0.1:{self._port}/v1"

    # -- script -------------------------------------------------------------------------------

    def push_text(self, text: str) -> None:
        """Queue a plain assistant reply."""
        with self._lock:
            self._replies.append(_Reply(text=text))

    def push_tool_call(
        self,
        name: str,
        args: dict[str, Any],
        *,
        call_id: str | None = None,
        text: str | None = None,
    ) -> str:
        """Queue a reply calling one tool; returns the call id."""
        return self.push_tool_calls(
            [(name, args)], call_ids=[call_id] if call_id else None, text=text
        )[0]

    def push_tool_calls(
        self,
        calls: list[tuple[str, dict[str, Any]]],
        *,
        call_ids: list[str] | None = None,
        text: str | None = None,
    ) -> list[str]:
        """Queue a reply calling several tools in parallel; returns the call ids."""
        ids = call_ids or [f"call_{uuid.uuid4().hex[:20]}" for _ in calls]
        reply = _Reply(
            text=text,
            tool_calls=[
                _ToolCall(name, json.dumps(args), call_id)
                for (name, args), call_id in zip(calls, ids, strict=True)
            ],
        )
        with self._lock:
            self._replies.append(reply)
        return ids

    def fail(self, mode: FailMode | None, *, times: int | None = None) -> None:
        """Fail every request this way, or the next `times` ("down" until healed); None heals."""
        with self._lock:
            self._mode = mode
            self._mode_left = times
        if mode == "down":
            self.stop()
        elif self._server is None:
            self.start()

    @property
    def pending(self) -> int:
        """How many pushed replies have not been served yet."""
        with self._lock:
            return len(self._replies)

    @property
    def chat_requests(self) -> list[ReceivedRequest]:
        """The chat-completion requests received, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # -- used by the handler ------------------------------------------------------------------

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _take_failure(self) -> FailMode | None:
        with self._lock:
            mode = self._mode
            if mode is not None and self._mode_left is not None:
                self._mode_left -= 1
                if self._mode_left <= 0:
                    self._mode, self._mode_left = None, None
            return mode

    def _next_reply(self) -> _Reply:
        with self._lock:
            return self._replies.popleft() if self._replies else _Reply(text=NO_REPLY_TEXT)

    def _next_id(self) -> str:
        with self._lock:
            self._counter += 1
            return f"chatcmpl-fake{self._counter:04d}"

    def _stall(self) -> None:
        # Waits on the stop event rather than sleeping, so stop() never waits for a stall.
        self._stopping.wait(self.slow_seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        # A client that gave up (timeout, cancelled stream) is expected, not an error.
        if isinstance(error, ConnectionError):
            return
        self.fake.errors.append(repr(error))
        super().handle_error(request, client_address)


def _error_body(message: str, type_: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def _mask(key: str) -> str:
    # OpenAI echoes only the ends of a wrong key; do the same so clients see a realistic body.
    return f"{key[:3]}***{key[-4:]}" if len(key) > 8 else "***"


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _tokens(text: str) -> int:
    return max(1, len(text.split()))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    @property
    def fake(self) -> FakeOpenAI:
        return self.server.fake

    # -- plumbing -----------------------------------------------------------------------------

    def _receive(self) -> ReceivedRequest:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = ReceivedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            raw=raw,
            body=body,
        )
        self.fake._record(request)
        return request

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:16]}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self._close_after()
        self.end_headers()
        self.wfile.write(data)

    def _start_sse(self) -> None:
        # No Content-Length: the stream ends when the server closes the connection.
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self._close_after()
        self.end_headers()

    def _close_after(self) -> None:
        # One request per connection: a pooled keep-alive connection would outlive "down".
        self.send_header("Connection", "close")
        self.close_connection = True

    def _event(self, data: str) -> None:
        self.wfile.write(f"data: {data}\n\n".encode())
        self.wfile.flush()

    def _authorized(self, request: ReceivedRequest) -> bool:
        key = self.fake.api_key
        if key is None:
            return True
        auth = request.authorization or ""
        if auth == f"Bearer {key}":
            return True
        given = auth.removeprefix("Bearer ").strip()
        message = (
            f"Incorrect API key provided: {_mask(given)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys."
            if given
            else "You didn't provide an API key."
        )
        self._send_json(401, _error_body(message, "invalid_request_error", "invalid_api_key"))
        return False

    # -- routes -------------------------------------------------------------------------------

    def do_GET(self) -> None:
        request = self._receive()
        if not self._authorized(request):
            return
        if self.path.rstrip("/") == "/v1/models":
            data = [
                {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "fake"}
                for m in self.fake.models
            ]
            self._send_json(200, {"object": "list", "data": data})
            return
        self._send_json(
            404, _error_body(f"Unknown path {self.path}", "invalid_request_error", None)
        )

    def do_POST(self) -> None:
        request = self._receive()
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(
                404, _error_body(f"Unknown path {self.path}", "invalid_request_error", None)
            )
            return
        if not self._authorized(request):
            return
        body = request.body if isinstance(request.body, dict) else {}
        model = str(body.get("model", ""))
        if self._fail(self.fake._take_failure(), request, model):
            return
        if not isinstance(request.body, dict):
            self._send_json(
                400, _error_body("We could not parse the JSON body.", "invalid_request_error", None)
            )
            return
        reply = self.fake._next_reply()
        if request.stream:
            options = body.get("stream_options") or {}
            self._stream(reply, model, bool(options.get("include_usage")), request)
        else:
            self._complete(reply, model, request)

    def _fail(self, mode: FailMode | None, request: ReceivedRequest, model: str) -> bool:
        """Answer with the switched-on failure; False when there is none."""
        if mode is None:
            return False
        if mode == "unauthorized":
            message = "Incorrect API key provided: sk-***. You can find your API key at ..."
            self._send_json(401, _error_body(message, "invalid_request_error", "invalid_api_key"))
        elif mode == "forbidden":
            message = "You are not allowed to sample from this model"
            self._send_json(403, _error_body(message, "invalid_request_error", None))
        elif mode == "model_not_found":
            message = f"The model `{model}` does not exist or you do not have access to it."
            self._send_json(404, _error_body(message, "invalid_request_error", "model_not_found"))
        elif mode == "rate_limited":
            message = "Rate limit reached for requests. Please try again in 1s."
            self._send_json(
                429,
                _error_body(message, "requests", "rate_limit_exceeded"),
                {"Retry-After": str(self.fake.retry_after)},
            )
        elif mode == "quota_exceeded":
            message = "You exceeded your current quota, please check your plan and billing details."
            self._send_json(429, _error_body(message, "insufficient_quota", "insufficient_quota"))
        elif mode == "server_error":
            message = "The server had an error while processing your request. Sorry about that!"
            self._send_json(500, _error_body(message, "server_error", None))
        elif mode == "slow":
            self.fake._stall()
            if self.fake._stopping.is_set():
                self.close_connection = True
                return True
            self._send_json(200, self._completion(_Reply(text="too late"), model, request))
        elif mode == "garbage":
            self._garbage(request)
        elif mode == "truncated":
            self._truncated(request, model)
        elif mode == "wrong_shape":
            self._wrong_shape(request)
        elif mode == "dropped":
            self._dropped(request, model)
        else:  # "down" closes the listener, so no request gets here
            self.close_connection = True
        return True

    def _garbage(self, request: ReceivedRequest) -> None:
        if request.stream:
            self._start_sse()
            self._event("this is not json {{{")
            self._event("[DONE]")
            return
        data = b"<html><body>502 Bad Gateway</body></html> {not json"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self._close_after()
        self.end_headers()
        self.wfile.write(data)

    def _truncated(self, request: ReceivedRequest, model: str) -> None:
        whole = json.dumps(self._completion(_Reply(text="cut short"), model, request))
        half = whole[: len(whole) // 2]
        if request.stream:
            self._start_sse()
            first = self._chunk(
                self.fake._next_id(), model, {"role": "assistant", "content": "Hel"}
            )
            self._event(json.dumps(first))
            self._event(half)
            return
        data = half.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self._close_after()
        self.end_headers()
        self.wfile.write(data)

    def _wrong_shape(self, request: ReceivedRequest) -> None:
        body = {"status": "ok", "result": {"text": "hello"}}
        if request.stream:
            self._start_sse()
            self._event(json.dumps(body))
            self._event("[DONE]")
            return
        self._send_json(200, body)

    def _dropped(self, request: ReceivedRequest, model: str) -> None:
        self.close_connection = True
        if request.stream:
            # Chunked framing makes the early close detectable: the final empty chunk never comes.
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            first = self._chunk(
                self.fake._next_id(), model, {"role": "assistant", "content": "Hel"}
            )
            event = f"data: {json.dumps(first)}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
            return
        whole = json.dumps(self._completion(_Reply(text="cut short"), model, request)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(whole)))
        self.end_headers()
        self.wfile.write(whole[: len(whole) // 2])

    # -- replies ------------------------------------------------------------------------------

    def _usage(self, request: ReceivedRequest, reply: _Reply) -> dict[str, int]:
        prompt = sum(_tokens(str(m.get("content") or "")) for m in request.messages)
        completion = _tokens(reply.text or "") + sum(_tokens(c.arguments) for c in reply.tool_calls)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _completion(self, reply: _Reply, model: str, request: ReceivedRequest) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": c.call_id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in reply.tool_calls
            ]
        return {
            "id": self.fake._next_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                }
            ],
            "usage": self._usage(request, reply),
        }

    def _complete(self, reply: _Reply, model: str, request: ReceivedRequest) -> None:
        self._send_json(200, self._completion(reply, model, request))

    def _chunk(
        self,
        chunk_id: str,
        model: str,
        delta: dict[str, Any],
        finish_reason: str | None = None,
    ) -> dict[str, Any]:
        return {
            "id": chunk_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ],
        }

    def _stream(
        self, reply: _Reply, model: str, include_usage: bool, request: ReceivedRequest
    ) -> None:
        chunk_id = self.fake._next_id()
        size = self.fake.chunk_size
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        if reply.text:
            deltas += [{"content": piece} for piece in _pieces(reply.text, size)]
        for index, call in enumerate(reply.tool_calls):
            # As OpenAI does: id, type and name once, then the arguments JSON in pieces.
            deltas.append(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call.call_id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": ""},
                        }
                    ]
                }
            )
            deltas += [
                {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                for piece in _pieces(call.arguments, size)
            ]
        finish = "tool_calls" if reply.tool_calls else "stop"
        self._start_sse()
        try:
            for delta in deltas:
                chunk = self._chunk(chunk_id, model, delta)
                if include_usage:
                    chunk["usage"] = None
                self._event(json.dumps(chunk))
            last = self._chunk(chunk_id, model, {}, finish)
            if include_usage:
                last["usage"] = None
            self._event(json.dumps(last))
            if include_usage:
                usage_chunk = self._chunk(chunk_id, model, {})
                usage_chunk["choices"] = []
                usage_chunk["usage"] = self._usage(request, reply)
                self._event(json.dumps(usage_chunk))
            self._event("[DONE]")
        except (BrokenPipeError, ConnectionResetError):
            # The client stopped reading (cancelled or timed out); nothing left to do.
            return


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI server on 127.0.0.1 that expects `FAKE_API_KEY`."""
    with FakeOpenAI() as server:
        yield server
    assert not server.errors, f"the fake OpenAI server itself failed: {server.errors}"
