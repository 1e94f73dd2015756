"""A real local HTTP server speaking ZoneEdit's dynamic-DNS protocol, with its 600 s rule."""

from __future__ import annotations

import base64
import ipaddress
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import pytest

FAKE_USER = "jarvis-test"
FAKE_TOKEN = "zeDynTok-5f1c9a7e3b2d4c60"  # made up; the fake server expects it
FAKE_ZONES = ("example.com", "example.net")
INTERVAL = 600

Mode = Literal[
    "normal",
    "garbage",  # HTTP 200 whose body is no reply tag at all
    "server_error",  # HTTP 500
    "no_param",  # 702 replies without PARAM (only "Minimum 600 seconds" in TEXT)
]


@dataclass
class Seen:
    """One request as the server saw it (the Authorization header is not kept)."""

    path: str
    params: dict[str, str]
    authorised: bool


@dataclass
class FakeZoneEdit:
    """The server's state: the account, its records, the last change per host, a clock."""

    user: str = FAKE_USER
    token: str = FAKE_TOKEN
    zones: tuple[str, ...] = FAKE_ZONES
    records: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    last_change: dict[str, float] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    mode: Mode = "normal"
    scripted: list[tuple[int, str]] = field(default_factory=list)
    offset: float = 0.0
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        """The server's clock (monotonic, plus what a test advanced)."""
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the server's clock forward."""
        self.offset += seconds

    def script(self, body: str, status: int = 200) -> None:
        """Answer the next request with exactly this body and status."""
        self.scripted.append((status, body))

    def lookup(self, name: str, rtype: str) -> list[str] | None:
        """What DNS would answer for the account's records (None: the name does not exist)."""
        with self.lock:
            values = self.records.get((name, rtype))
            if values:
                return list(values)
            exists = name in self.zones or any(host == name for host, _ in self.records)
            return [] if exists else None

    def zone_of(self, host: str) -> str | None:
        """The account's zone holding `host`, or None."""
        inside = [z for z in self.zones if host == z or host.endswith("." + z)]
        return max(inside, key=len) if inside else None

    # -- the protocol -------------------------------------------------------------------

    def handle(self, path: str, params: dict[str, str], auth: str | None) -> tuple[int, str]:
        """The status and body ZoneEdit would answer."""
        with self.lock:
            self.requests.append(Seen(path, dict(params), auth == self._expected_auth()))
            if self.scripted:
                return self.scripted.pop(0)
            if self.mode == "server_error":
                return 500, "<html><body>Internal Server Error</body></html>"
            if self.mode == "garbage":
                return 200, "<html><body>Maintenance: back soon</body></html>"
            if auth is None:
                return 401, "Authorization Required"
            if auth != self._expected_auth():
                return 200, '<ERROR CODE="708" TEXT="Login failed">'
            if path == "/auth/dynamic.html":
                return 200, self._dynamic(params)
            if path in {"/txt-create.php", "/txt-delete.php"}:
                return 200, self._txt(path == "/txt-create.php", params)
            return 404, "Not Found"

    def _expected_auth(self) -> str:
        raw = f"{self.user}:{self.token}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def _left(self, host: str) -> int:
        last = self.last_change.get(host)
        if last is None:
            return 0
        return max(0, int(INTERVAL - (self.now() - last) + 0.999))

    def _too_soon(self, host: str, zone: str) -> str:
        param = "" if self.mode == "no_param" else f' PARAM="{self._left(host)}"'
        return (
            f'<ERROR CODE="702"{param} TEXT="Minimum {INTERVAL} seconds between requests" '
            f'ZONE="{zone}" HOST="{host}">'
        )

    def _dynamic(self, params: dict[str, str]) -> str:
        host = params.get("host", "").lower().rstrip(".")
        dnsto = params.get("dnsto", "")
        if not host:
            return '<ERROR CODE="703" TEXT="Parameter host is required">'
        zone = self.zone_of(host)
        if zone is None:
            return f'<ERROR CODE="701" TEXT="Zone is not set up in this account" ZONE="{host}">'
        try:
            address = ipaddress.ip_address(dnsto)
        except ValueError:
            return f'<ERROR CODE="709" TEXT="Invalid IP address" HOST="{host}">'
        rtype = "A" if address.version == 4 else "AAAA"
        current = self.records.get((host, rtype), [])
        if current == [str(address)]:
            if self._left(host):
                return (
                    '<ERROR CODE="707" TEXT="Duplicate updates for the same host/ip, adjust '
                    f'client settings" ZONE="{zone}" HOST="{host}">'
                )
            return f'<SUCCESS CODE="201" TEXT="No records need updating" ZONE="{zone}">'
        if self._left(host):
            return self._too_soon(host, zone)
        self.records[(host, rtype)] = [str(address)]
        self.last_change[host] = self.now()
        return (
            f'<SUCCESS CODE="200" TEXT="Update succeeded." ZONE="{zone}" HOST="{host}" '
            f'IP="{address}">'
        )

    def _txt(self, create: bool, params: dict[str, str]) -> str:
        raw = params.get("host", "").lower().rstrip(".")
        rdata = params.get("rdata", "")
        host = raw.removeprefix("@.")
        if not host or not rdata:
            return '<ERROR CODE="703" TEXT="Parameters host and rdata are required">'
        zone = self.zone_of(host)
        if zone is None:
            return f'<ERROR CODE="701" TEXT="Zone is not set up in this account" ZONE="{host}">'
        if host == zone and not raw.startswith("@."):
            # The apex is named "@.<zone>" on these endpoints.
            return f'<ERROR CODE="704" TEXT="Use @.{zone} for the zone apex">'
        current = self.records.setdefault((host, "TXT"), [])
        if create and rdata in current:
            return f'<ERROR CODE="707" TEXT="Duplicate TXT record" ZONE="{zone}" HOST="{host}">'
        if not create and rdata not in current:
            return f'<SUCCESS CODE="201" TEXT="No such TXT record" ZONE="{zone}">'
        if self._left(host):
            return self._too_soon(host, zone)
        if create:
            current.append(rdata)
        else:
            current.remove(rdata)
        self.last_change[host] = self.now()
        return f'<SUCCESS CODE="200" TEXT="TXT record updated" ZONE="{zone}" HOST="{host}">'


def _handler(state: FakeZoneEdit) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            status, body = state.handle(parts.path, params, self.headers.get("Authorization"))
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="DynDNS"')
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            # Quiet: request lines would only clutter the test output.
            return

    return Handler


@contextmanager
def serve_fake_zoneedit() -> Iterator[FakeZoneEdit]:
    """Run a fake ZoneEdit on 127.0.0.1 (a free port) until the block ends."""
    state = FakeZoneEdit()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-zoneedit", daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def fake_zoneedit() -> Iterator[FakeZoneEdit]:
    """A running fake ZoneEdit; `.url` is its base URL, `.records` what it holds."""
    with serve_fake_zoneedit() as state:
        yield state
