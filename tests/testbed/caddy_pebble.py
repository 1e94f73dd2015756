"""Real ACME issuance on loopback: Pebble (a test CA), a DNS responder and Caddy.

- `pebble`: a Pebble CA on free ports with its own HTTPS certificate (made here with
  `cryptography`), a DNS responder answering every A query with 127.0.0.1, and the issuing
  root fetched from the management port. Stopped by PID at the end of the session.
- `caddy`: `caddy run` with its admin API on a free 127.0.0.1 port, data and config in a
  temporary folder; its HTTP and HTTPS ports are the ones Pebble validates against.
- `caddy_site_config(...)`: a full Caddy JSON config serving sites with Pebble certificates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.testbed.services import missing_service

START_TIMEOUT = 20.0
HOW = "apt-get install caddy pebble (the fixtures start both themselves)"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _free_udp_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    return sock


def make_ca(folder: Path, names: tuple[str, ...] = ("localhost", "127.0.0.1")) -> Path:
    """Write ca.pem, cert.pem and key.pem (a leaf for `names`) into folder; returns ca.pem."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jarvis test bed CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = []
    for name in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            sans.append(x509.DNSName(name))
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (folder / "cert.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "ca.pem"


class DnsResponder:
    """A UDP DNS server on 127.0.0.1 answering every A query with 127.0.0.1, in a thread."""

    def __init__(self) -> None:
        self._sock = _free_udp_socket()
        self.port = int(self._sock.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="test-dns", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            with contextlib.suppress(Exception):
                self._sock.sendto(self._answer(data), peer)

    @staticmethod
    def _answer(data: bytes) -> bytes:
        query = dns.message.from_wire(data)
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.AA
        for question in query.question:
            if question.rdtype == dns.rdatatype.A:
                reply.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", "127.0.0.1"))
        reply.set_rcode(dns.rcode.NOERROR)
        return bytes(reply.to_wire())

    def close(self) -> None:
        """Stop answering and release the port."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


@dataclass(frozen=True)
class Pebble:
    """A running Pebble: its ACME directory, the CA of its HTTPS API and the issuing root."""

    directory: str
    api_ca: Path  # trust this for Pebble's own HTTPS (ACME API, management)
    root: Path  # the root that issued every certificate of this Pebble run
    http_port: int  # where Pebble checks HTTP-01 (Caddy's http_port)
    tls_port: int  # where Pebble checks TLS-ALPN-01 (Caddy's https_port)
    management: str
    pid: int


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_http(
    proc: subprocess.Popen[bytes], url: str, log: Path, what: str, verify: Any = True
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(url, verify=verify, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    _stop(proc)
    tail = log.read_text(errors="replace")[-2000:]
    missing_service(what, f"it did not answer at {url} within {START_TIMEOUT:.0f} s:\n{tail}")


@pytest.fixture(scope="session")
def pebble() -> Iterator[Pebble]:
    """A Pebble ACME CA on free loopback ports, with a DNS responder for every test name."""
    binary = shutil.which("pebble")
    if binary is None:
        missing_service("Pebble", HOW)
    assert binary is not None
    with tempfile.TemporaryDirectory(prefix="jarvis-pebble-") as tmp:
        folder = Path(tmp)
        api_ca = make_ca(folder)
        listen, management = free_port(), free_port()
        http_port, tls_port = free_port(), free_port()
        config = {
            "pebble": {
                "listenAddress": f"127.0.0.1:{listen}",
                "managementListenAddress": f"127.0.0.1:{management}",
                "certificate": str(folder / "cert.pem"),
                "privateKey": str(folder / "key.pem"),
                "httpPort": http_port,
                "tlsPort": tls_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": False,
            }
        }
        (folder / "pebble.json").write_text(json.dumps(config))
        dns_server = DnsResponder()
        env = {
            **os.environ,
            "PEBBLE_VA_NOSLEEP": "1",
            "PEBBLE_WFE_NONCEREJECT": "0",
            "PEBBLE_AUTHZREUSE": "0",
        }
        log = folder / "pebble.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    binary,
                    "-config",
                    str(folder / "pebble.json"),
                    "-dnsserver",
                    f"127.0.0.1:{dns_server.port}",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        try:
            directory = f"https://127.0.0.1:{listen}/dir"
            trust = ssl.create_default_context(cafile=str(api_ca))
            _wait_http(proc, directory, log, "Pebble", verify=trust)
            mgmt = f"https://127.0.0.1:{management}"
            root = httpx.get(f"{mgmt}/roots/0", verify=trust, timeout=5)
            root.raise_for_status()
            (folder / "root.pem").write_bytes(root.content)
            yield Pebble(
                directory=directory,
                api_ca=api_ca,
                root=folder / "root.pem",
                http_port=http_port,
                tls_port=tls_port,
                management=mgmt,
                pid=proc.pid,
            )
        finally:
            _stop(proc)
            dns_server.close()


@dataclass(frozen=True)
class Caddy:
    """A running Caddy: admin API address, storage folder and the ports its sites use."""

    admin: str
    storage: Path  # Caddy's data folder: certificates/<issuer>/<name>/...
    http_port: int
    https_port: int
    pebble: Pebble
    pid: int


def caddy_site_config(
    caddy: Caddy, sites: dict[str, str], *, server: str = "main"
) -> dict[str, Any]:
    """A Caddy JSON config serving each `fqdn -> upstream` over HTTPS with Pebble certificates."""
    routes = [
        {
            "match": [{"host": [fqdn]}],
            "handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": upstream}]}],
            "terminal": True,
        }
        for fqdn, upstream in sites.items()
    ]
    return {
        "admin": {"listen": caddy.admin.removeprefix("http://")},
        "apps": {
            "http": {
                "http_port": caddy.http_port,
                "https_port": caddy.https_port,
                "servers": {
                    server: {
                        "listen": [f"127.0.0.1:{caddy.https_port}"],
                        "routes": routes,
                        "automatic_https": {"disable_redirects": True},
                    }
                },
            },
            "tls": {
                "automation": {
                    "policies": [
                        {
                            "issuers": [
                                {
                                    "module": "acme",
                                    "ca": caddy.pebble.directory,
                                    "trusted_roots_pem_files": [str(caddy.pebble.api_ca)],
                                    "challenges": {"bind_host": "127.0.0.1"},
                                }
                            ]
                        }
                    ]
                }
            },
        },
    }


@pytest.fixture(scope="session")
def caddy(pebble: Pebble) -> Iterator[Caddy]:
    """Caddy with its admin API on a free loopback port, storage in a temporary folder."""
    binary = shutil.which("caddy")
    if binary is None:
        missing_service("Caddy", HOW)
    assert binary is not None
    with tempfile.TemporaryDirectory(prefix="jarvis-caddy-") as tmp:
        folder = Path(tmp)
        admin = f"127.0.0.1:{free_port()}"
        (folder / "boot.json").write_text(json.dumps({"admin": {"listen": admin}}))
        env = {
            **os.environ,
            "XDG_DATA_HOME": str(folder / "data"),
            "XDG_CONFIG_HOME": str(folder / "config"),
            "HOME": str(folder),
        }
        log = folder / "caddy.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [binary, "run", "--config", str(folder / "boot.json")],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=folder,
                start_new_session=True,
            )
        try:
            _wait_http(proc, f"http://{admin}/config/", log, "Caddy")
            yield Caddy(
                admin=f"http://{admin}",
                storage=folder / "data" / "caddy",
                http_port=pebble.http_port,
                https_port=pebble.tls_port,
                pebble=pebble,
                pid=proc.pid,
            )
        finally:
            _stop(proc)


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello from the upstream\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def upstream() -> Iterator[str]:
    """A tiny HTTP server on 127.0.0.1 answering every GET with 200; yields `host:port`."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="test-upstream", daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def served_serial(caddy: Caddy, fqdn: str, timeout: float = 2.0) -> int:
    """The serial of the certificate Caddy serves for `fqdn`, verified against Pebble's root."""
    context = ssl.create_default_context(cafile=str(caddy.pebble.root))
    with (
        socket.create_connection(("127.0.0.1", caddy.https_port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=fqdn) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
        assert der is not None
        return int(x509.load_der_x509_certificate(der).serial_number)


def wait_until_served(caddy: Caddy, fqdn: str, deadline_s: float = 20.0) -> int:
    """Wait until Caddy serves a Pebble-issued certificate for `fqdn`; returns its serial."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return served_serial(caddy, fqdn)
        except (OSError, ssl.SSLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def pebble_site(caddy: Caddy, upstream: str) -> str:
    """`app.example.test` served by Caddy with a Pebble certificate (loaded, issued, checked).

    Loaded again for every test, since other tests load other configs into the same Caddy.
    """
    fqdn = "app.example.test"
    config = caddy_site_config(caddy, {fqdn: upstream})
    response = httpx.post(f"{caddy.admin}/load", json=config, timeout=10)
    response.raise_for_status()
    wait_until_served(caddy, fqdn)
    return fqdn
