"""A Sunshine stand-in: its web API over HTTPS on 127.0.0.1 with a self-signed certificate.

Like Sunshine's confighttp: HTTP basic auth (401 with `WWW-Authenticate: Basic` otherwise),
`GET /api/apps` answers apps.json, `GET /api/clients/list` the paired clients
(`named_certs`), `POST /api/pin {"pin", "name"}` pairs the Moonlight client that is waiting
(`"status": "false"` when none is), JSON written the way Boost writes it (every value a
string), 400 `{"status_code", "status", "error"}` on a body it cannot read, 404 for the rest.
"""

from __future__ import annotations

import base64
import hashlib
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.testbed.fake_service import FakeService, Reply, Request, json_reply, serve

USER = "sunshine"
PASSWORD = "sunshine-test-password"  # a credential for this stand-in only


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate on disk, and its SHA-256 fingerprint (hex)."""

    cert: Path
    key: Path
    sha256: str

    def context(self) -> ssl.SSLContext:
        """A server TLS context presenting it."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def self_signed(folder: Path, name: str = "Sunshine Gamestream Host") -> Certificate:
    """A fresh self-signed certificate, as Sunshine makes on first start."""
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    tag = uuid.uuid4().hex[:8]
    cert_path, key_path = folder / f"sunshine-{tag}.pem", folder / f"sunshine-{tag}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return Certificate(cert_path, key_path, digest)


def _boost(value: Any) -> Any:
    """JSON as Boost's property tree writes it: every leaf a string, empty lists as ""."""
    if isinstance(value, dict):
        return {k: _boost(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_boost(v) for v in value] if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class FakeSunshine(FakeService):
    """Apps, paired clients, and a Moonlight client waiting to pair (if any)."""

    def __init__(self, user: str = USER, password: str = PASSWORD) -> None:
        super().__init__()
        self.user, self.password = user, password
        self.apps: list[dict[str, Any]] = [
            {"name": "Desktop", "image-path": "desktop.png"},
            {"name": "Steam Big Picture", "detached": ["steam://open/bigpicture"],
             "image-path": "steam.png"},
        ]  # fmt: skip
        self.clients: list[dict[str, str]] = []
        self.config: dict[str, Any] = {
            "status": True, "platform": "windows", "version": "0.23.1", "sunshine_name": "rig"
        }  # fmt: skip
        # The PIN the waiting Moonlight client shows; None: nobody is pairing.
        self.waiting_pin: str | None = None

    def handle(self, request: Request) -> Reply:
        """Route one request to the web API."""
        if not self._authorised(request):
            return Reply(
                401,
                b"",
                "text/plain",
                {"WWW-Authenticate": 'Basic realm="Sunshine Gamestream Host", charset="UTF-8"'},
            )
        route = (request.method, request.path)
        if route == ("GET", "/api/apps"):
            return json_reply(200, {"env": {"PATH": "$(PATH)"}, "apps": self.apps})
        if route == ("GET", "/api/clients/list"):
            return json_reply(200, _boost({"named_certs": self.clients, "status": True}))
        if route == ("GET", "/api/config"):
            return json_reply(200, _boost(self.config))
        if route == ("POST", "/api/pin"):
            return self._pin(request)
        if request.method == "GET":
            return json_reply(404, _boost({"status_code": 404, "error": "Not Found"}))
        return _bad_request("Bad Request")

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization") or ""
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user.lower() == self.user.lower() and password == self.password

    def _pin(self, request: Request) -> Reply:
        try:
            body = request.json()
            pin, name = str(body["pin"]), str(body["name"])
        except (ValueError, KeyError, TypeError) as exc:
            return _bad_request(f"No such node ({exc})")
        if self.waiting_pin is None or pin != self.waiting_pin:
            return json_reply(200, _boost({"status": False}))
        self.waiting_pin = None
        self.clients.append({"name": name, "cert": "-----BEGIN CERTIFICATE-----",
                             "uuid": str(uuid.uuid4()).upper()})  # fmt: skip
        return json_reply(200, _boost({"status": True}))


def _bad_request(message: str) -> Reply:
    return json_reply(400, _boost({"status_code": 400, "status": False, "error": message}))


@pytest.fixture
def sunshine_cert(tmp_path: Path) -> Certificate:
    """The stand-in's self-signed certificate."""
    return self_signed(tmp_path / "sunshine-tls")


@pytest.fixture
def fake_sunshine(sunshine_cert: Certificate) -> Iterator[FakeSunshine]:
    """A fresh Sunshine stand-in over HTTPS on a free loopback port."""
    with serve(FakeSunshine(), tls=sunshine_cert.context()) as service:
        assert isinstance(service, FakeSunshine)
        yield service
