"""A loopback HTTPS server in a thread presenting one chosen certificate, for TLS probe tests."""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.testbed.tls_endpoints import issue_leaf, make_ca

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"


@dataclass(frozen=True)
class Issued:
    """A leaf certificate on disk: the CA that signed it, and the leaf with its key."""

    ca_bundle: Path
    chain: Path


def issue(folder: Path, names: list[str], *, valid: tuple[int, int] = (-30, 60)) -> Issued:
    """A fresh CA and a leaf for `names`, valid from `valid[0]` to `valid[1]` days from now."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = make_ca("Jarvis Probe Test CA")
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    start, end = (now + timedelta(days=d) for d in valid)
    leaf = issue_leaf(ca_cert, ca_key, names, start, end, key)
    ca_bundle, chain = folder / "ca.pem", folder / "leaf.pem"
    ca_bundle.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Issued(ca_bundle, chain)


class HttpsServer:
    """`with HttpsServer(chain) as server:` serves on 127.0.0.1:`server.port`.

    Every connection gets the certificate in `chain`; an HTTP request on it is answered 200.
    """

    def __init__(self, chain: Path) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(chain)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HttpsServer:
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(3)
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    request = b""
                    while b"\r\n\r\n" not in request:
                        chunk = tls.recv(4096)
                        if not chunk:
                            return  # a probe: handshake only
                        request += chunk
                    tls.sendall(RESPONSE)
            except (OSError, ssl.SSLError):
                pass
