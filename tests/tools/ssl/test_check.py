"""Certificate checks against real servers: Caddy with a Pebble cert, and odd local servers."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from core.errors import BadInput
from core.settings import Settings
from tests.testbed.caddy_pebble import Caddy, free_port, make_ca
from tools.deps import ToolDeps
from tools.registry import Registry
from tools.ssl import family
from tools.ssl.check import CertificateResult, check_certificate, classify

SPEC = {s.name: s for s in family.specs}["ssl.check_certificate"]
Server = Callable[..., int]


def self_signed(folder: Path, name: str, *, days: int) -> tuple[Path, Path]:
    """A self-signed certificate for `name` that ends `days` from now (negative: expired)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    end = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(end - dt.timedelta(days=30))
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (folder / "self.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "self.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "self.pem", folder / "self.key"


@pytest.fixture
def server() -> Iterator[Server]:
    """Start loopback servers: TLS with a given cert, silent, or speaking plain text."""
    stop = threading.Event()
    sockets: list[socket.socket] = []
    threads: list[threading.Thread] = []

    def start(kind: str, cert: Path | None = None, key: Path | None = None) -> int:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.2)
        sockets.append(listener)
        context: ssl.SSLContext | None = None
        if kind == "tls":
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(cert), str(key))

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                with conn:
                    conn.settimeout(3)
                    try:
                        if kind == "tls" and context is not None:
                            with context.wrap_socket(conn, server_side=True) as tls:
                                tls.recv(1)
                        elif kind == "text":
                            conn.recv(1024)
                            conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\nnot tls\n")
                        else:
                            stop.wait(3)  # accept, then say nothing
                    except (OSError, ssl.SSLError):
                        pass

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        threads.append(thread)
        return int(listener.getsockname()[1])

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    for sock in sockets:
        sock.close()


def test_a_pebble_certificate_served_by_caddy_is_valid(caddy: Caddy, pebble_site: str) -> None:
    result = check_certificate(
        "127.0.0.1", caddy.https_port, pebble_site, ca_bundle=str(caddy.pebble.root)
    )
    assert result.error is None, result.error
    assert result.chain_verified and result.name_matches
    assert result.names == [pebble_site]
    assert result.issuer is not None and "Pebble" in result.issuer
    assert result.days_left is not None and result.days_left > 21
    assert result.serial and result.status == "ok" == classify(result)
    # Without Pebble's root the system trust store does not know the issuer.
    untrusted = check_certificate("127.0.0.1", caddy.https_port, pebble_site)
    assert untrusted.serial == result.serial
    assert not untrusted.chain_verified and untrusted.verify_error
    assert untrusted.status == "invalid"


def test_a_wrong_name_is_invalid(tmp_path: Path, server: Server) -> None:
    ca = make_ca(tmp_path, ("right.test",))
    port = server("tls", tmp_path / "cert.pem", tmp_path / "key.pem")
    result = check_certificate("127.0.0.1", port, "wrong.test", ca_bundle=str(ca))
    assert result.error is None
    assert result.chain_verified and not result.name_matches
    assert result.names == ["right.test"] and result.status == "invalid"
    right = check_certificate("127.0.0.1", port, "right.test", ca_bundle=str(ca))
    assert right.name_matches and right.status == "critical"  # the test CA lasts two days


def test_an_expired_self_signed_certificate(tmp_path: Path, server: Server) -> None:
    cert, key = self_signed(tmp_path, "old.test", days=-3)
    port = server("tls", cert, key)
    result = check_certificate("127.0.0.1", port, "old.test", ca_bundle=str(cert))
    assert result.error is None
    assert result.days_left is not None and result.days_left < 0
    assert not result.chain_verified and "expired" in (result.verify_error or "")
    assert result.status == "expired"


def test_a_refused_port_is_an_error() -> None:
    result = check_certificate("127.0.0.1", free_port(), timeout=2)
    assert result.error == "connection refused"
    assert result.status == "invalid" and result.serial is None


def test_a_silent_server_times_out(server: Server) -> None:
    result = check_certificate("127.0.0.1", server("silent"), timeout=0.5)
    assert result.error is not None and "timed out after 0.5 s" in result.error
    assert result.status == "invalid"


def test_a_plain_text_server_is_not_tls(server: Server) -> None:
    result = check_certificate("127.0.0.1", server("text"), timeout=2)
    assert result.error is not None and result.error.startswith("TLS handshake failed")


def test_classify_by_days_left() -> None:
    now = dt.datetime.now(dt.UTC)

    def at(days: int, **extra: Any) -> CertificateResult:
        fields: dict[str, Any] = {
            "host": "h",
            "port": 443,
            "server_name": "h",
            "status": "ok",
            "not_after": now + dt.timedelta(days=days, hours=1),
            "days_left": days,
            "chain_verified": True,
            "name_matches": True,
        }
        fields.update(extra)
        return CertificateResult(**fields)

    assert classify(at(60)) == "ok"
    assert classify(at(21)) == "warning"
    assert classify(at(7)) == "critical"
    assert classify(at(1)) == "critical"
    assert classify(at(-2, not_after=now - dt.timedelta(days=2))) == "expired"
    assert classify(at(60, name_matches=False)) == "invalid"
    assert classify(at(60, error="refused")) == "invalid"
    assert classify(at(25), thresholds=(30, 10, 3)) == "warning"


async def test_the_tool_is_registered_read_only(
    caddy: Caddy, pebble_site: str, tmp_path: Path
) -> None:
    registry = Registry([family])
    assert [s.name for s in registry.specs()] == ["ssl.check_certificate"]
    spec = registry.get("ssl.check_certificate")
    assert spec.risk == "read"
    assert spec.resource_for({"host": "example.com"}) == "host:example.com"
    deps = ToolDeps(Settings(data_dir=tmp_path))
    bundles = tmp_path / "ca-bundles"
    bundles.mkdir()
    shutil.copy(caddy.pebble.root, bundles / "pebble.pem")
    args = spec.args_model.model_validate(
        {
            "host": "127.0.0.1",
            "port": caddy.https_port,
            "server_name": pebble_site,
            "ca_bundle": "pebble.pem",
        }
    )
    result = await spec._impl(args, deps)
    assert isinstance(result, CertificateResult) and result.status == "ok"
    # Only names inside the bundles folder: a path is refused before anything is looked up,
    # and a missing file, a folder or a symlink out of it all read the same (no oracle).
    for path in ("/etc/passwd", "../data/x.pem", ".hidden", str(caddy.pebble.root)):
        with pytest.raises(ValidationError):
            spec.args_model.model_validate({"host": "127.0.0.1", "ca_bundle": path})
    (bundles / "out.pem").symlink_to("/etc/passwd")
    (bundles / "sub").mkdir()
    messages = set()
    for name in ("missing.pem", "out.pem", "sub"):
        with pytest.raises(BadInput, match="not one of the PEM files") as refused:
            await spec._impl(
                spec.args_model.model_validate({"host": "127.0.0.1", "ca_bundle": name}), deps
            )
        messages.add(str(refused.value).replace(repr(name), "NAME"))
    assert len(messages) == 1
    with pytest.raises(ValidationError):
        spec.args_model.model_validate({"host": "127.0.0.1", "bogus": 1})
    with pytest.raises(ValidationError):
        spec.args_model.model_validate({"host": "a b", "port": 0})
