"""Plumbing of the loopback stand-ins for HTTP services (Plex, n8n, Sunshine).

A stand-in subclasses `FakeService` and answers `handle(request)`; `serve()` runs it on a free
127.0.0.1 port (over TLS when given a context). `fail_next()` queues replies given before any
routing (429 with Retry-After, 500, a malformed body), to drive a client's error paths.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    """One request as the stand-in saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    """What the stand-in answers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


# A reply status meaning: the request was handled, but the connection drops before any answer
# (a proxy or network failing after the service acted).
HANG_UP = 0


def json_reply(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    """A JSON reply."""
    return Reply(status, json.dumps(data).encode(), "application/json", dict(headers or {}))


class FakeService:
    """State and routing of one stand-in; requests and queued failures are recorded here."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.failures: list[Reply] = []
        self.base_url = ""
        self.lock = threading.Lock()

    def fail_next(
        self,
        status: int,
        body: bytes = b"",
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests with this reply, whatever they ask."""
        for _ in range(times):
            self.failures.append(Reply(status, body, content_type, dict(headers or {})))

    def paths(self, method: str | None = None) -> list[str]:
        """The paths requested so far (of one method)."""
        return [r.path for r in self.requests if method is None or r.method == method]

    def handle(self, request: Request) -> Reply:
        """The reply to one request (subclasses route here)."""
        raise NotImplementedError

    def dispatch(self, request: Request) -> Reply:
        """Record the request; a queued failure first, else the service's own answer."""
        with self.lock:
            self.requests.append(request)
            if self.failures:
                return self.failures.pop(0)
            return self.handle(request)


def _handler(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _any(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            request = Request(self.command, url.path, query, self.headers, body)
            reply = service.dispatch(request)
            if reply.status == HANG_UP:  # handled, then the connection drops unanswered
                self.close_connection = True
                return
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up or refused our certificate is part of what tests do.
        return


@contextmanager
def serve(
    service: FakeService, tls: ssl.SSLContext | None = None, port: int = 0
) -> Iterator[FakeService]:
    """Run `service` on 127.0.0.1 (a free port unless given) until the block ends."""
    server = _Server(("127.0.0.1", port), _handler(service))
    scheme = "http"
    if tls is not None:
        # The handshake happens in the request's thread, so a client that refuses the
        # certificate cannot hold up the accept loop.
        server.socket = tls.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
        scheme = "https"
    service.base_url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
