"""A small HTTP server on 127.0.0.1 that speaks enough of Cloudflare's v4 API for lexicon.

Zones and records live in memory. Requests need `Authorization: Bearer <token>`; a wrong
token gets 403 with Cloudflare's error body. `fail_next` makes the next request answer a
chosen status (e.g. 429 with Retry-After) to test error mapping.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

TOKEN = "cf-test-token"  # a test credential for the fake server only


@dataclass
class FakeCloudflare:
    """State of the fake API: zones by id, records by zone id, requests seen."""

    token: str = TOKEN
    zones: dict[str, str] = field(default_factory=dict)  # id -> name
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    fail_next: tuple[int, dict[str, str]] | None = None
    base_url: str = ""

    def add_zone(self, name: str) -> str:
        """Create a zone; its id."""
        zone_id = uuid.uuid4().hex
        self.zones[zone_id] = name
        self.records[zone_id] = []
        return zone_id

    def zone_records(self, name: str) -> list[dict[str, Any]]:
        """The records of the zone called `name`."""
        zone_id = next(i for i, n in self.zones.items() if n == name)
        return self.records[zone_id]


def _envelope(result: Any, page: int = 1, total_pages: int = 1) -> dict[str, Any]:
    return {
        "success": True,
        "errors": [],
        "messages": [],
        "result": result,
        "result_info": {"page": page, "per_page": 100, "total_pages": total_pages},
    }


def _error(code: int, message: str) -> dict[str, Any]:
    return {"success": False, "errors": [{"code": code, "message": message}], "result": None}


def _handler(state: FakeCloudflare) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(
            self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            parsed: dict[str, Any] = json.loads(raw or b"{}")
            return parsed

        def _handle(self, method: str) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            body = self._body() if method in {"POST", "PUT"} else {}
            state.requests.append((method, url.path))
            if state.fail_next is not None:
                status, headers = state.fail_next
                state.fail_next = None
                self._send(status, _error(10000 + status, f"injected {status}"), headers)
                return
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                self._send(403, _error(10000, "Authentication error"))
                return
            parts = [p for p in url.path.split("/") if p]
            if parts[:2] != ["client", "v4"]:
                self._send(404, _error(7003, "No route for that URI"))
                return
            self._route(method, parts[2:], query, body)

        def _route(
            self, method: str, parts: list[str], query: dict[str, str], body: dict[str, Any]
        ) -> None:
            if parts == ["zones"] and method == "GET":
                zones = [{"id": i, "name": n} for i, n in state.zones.items()]
                if "name" in query:
                    zones = [z for z in zones if z["name"] == query["name"]]
                self._send(200, _envelope(zones))
                return
            if len(parts) < 2 or parts[0] != "zones" or parts[1] not in state.zones:
                self._send(404, _error(7003, "Could not route to zone"))
                return
            zone_id = parts[1]
            if len(parts) == 2 and method == "GET":
                self._send(200, _envelope({"id": zone_id, "name": state.zones[zone_id]}))
                return
            rows = state.records[zone_id]
            if parts[2:] == ["dns_records"]:
                if method == "GET":
                    found = [
                        r
                        for r in rows
                        if all(
                            r.get(k) == query[k] for k in ("type", "name", "content") if k in query
                        )
                    ]
                    self._send(200, _envelope(found))
                    return
                if method == "POST":
                    if any(
                        r["type"] == body["type"]
                        and r["name"] == body["name"]
                        and r["content"] == body["content"]
                        for r in rows
                    ):
                        self._send(400, _error(81058, "An identical record already exists."))
                        return
                    if body["type"] == "A" and ":" in str(body["content"]):
                        self._send(
                            400, _error(9005, "Content for A record must be a valid IPv4 address.")
                        )
                        return
                    record = {
                        "id": uuid.uuid4().hex,
                        "type": body["type"],
                        "name": body["name"],
                        "content": body["content"],
                        "ttl": int(body.get("ttl") or 1),
                    }
                    rows.append(record)
                    self._send(200, _envelope(record))
                    return
            if len(parts) == 4 and parts[2] == "dns_records":
                record_id = parts[3]
                match = [r for r in rows if r["id"] == record_id]
                if not match:
                    self._send(404, _error(81044, "Record does not exist."))
                    return
                if method == "PUT":
                    match[0].update(
                        {k: body[k] for k in ("type", "name", "content", "ttl") if k in body}
                    )
                    match[0]["ttl"] = int(match[0]["ttl"])
                    self._send(200, _envelope(match[0]))
                    return
                if method == "DELETE":
                    rows.remove(match[0])
                    self._send(200, _envelope({"id": record_id}))
                    return
            self._send(405, _error(10000, "Method not allowed"))

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PUT(self) -> None:
            self._handle("PUT")

        def do_DELETE(self) -> None:
            self._handle("DELETE")

    return Handler


@pytest.fixture
def fake_cloudflare() -> Iterator[FakeCloudflare]:
    """A fresh fake Cloudflare API on a free 127.0.0.1 port, stopped after the test."""
    state = FakeCloudflare()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/client/v4"
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="fake-cloudflare",
        daemon=True,
    )
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
