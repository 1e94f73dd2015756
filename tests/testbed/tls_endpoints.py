"""Many local HTTPS endpoints on 127.0.0.1 with known faults, for health tests and benchmarks.

A private CA issues one leaf certificate per domain. A few asyncio TLS servers (one per
behaviour: fast, slow, stalled, failing with 503) run in a child process and pick each
domain's certificate by SNI, so hundreds of domains cost four listening sockets.
A local nameserver answers every domain, wrongly on purpose for the `dns_mismatch` kind.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.testbed.local_dns import LocalDns
from tools.netcheck.health import Classification, HealthTarget

REPO = Path(__file__).resolve().parents[2]

# kind -> the classification a health check must give it.
EXPECTED: dict[str, Classification] = {
    "healthy": "healthy",
    "expiring": "degraded",
    "slow": "degraded",
    "stalled": "down",
    "refused": "down",
    "error503": "down",
    "expired": "cert_invalid",
    "wrong_name": "cert_invalid",
    "untrusted": "cert_invalid",
    "dns_mismatch": "dns_mismatch",
}

# 200 domains: half healthy, the rest spread over every fault.
DEFAULT_MIX: dict[str, int] = {
    "healthy": 100,
    "expiring": 10,
    "slow": 10,
    "stalled": 10,
    "refused": 10,
    "error503": 10,
    "expired": 15,
    "wrong_name": 15,
    "untrusted": 10,
    "dns_mismatch": 10,
}

WRONG_ADDRESS = "203.0.113.9"


@dataclass(frozen=True)
class Timing:
    """Per-check limits and the server delays chosen around them.

    The margins are wide on purpose: a sweep of 200 checks keeps one core busy for a second or
    more, and on a shared machine a healthy check can wait that long for its turn.
    """

    timeout: float = 4.0
    slow_after: float = 1.5
    slow_delay: float = 2.2  # over slow_after, under timeout: degraded
    stall_delay: float = 8.0  # beyond timeout: down


@dataclass(frozen=True)
class Endpoint:
    domain: str
    kind: str
    expected: Classification
    target: HealthTarget


@dataclass
class _Pki:
    ca_cert: x509.Certificate
    ca_key: ec.EllipticCurvePrivateKey
    rogue_cert: x509.Certificate
    rogue_key: ec.EllipticCurvePrivateKey


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(cn: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed CA certificate and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue_leaf(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    names: list[str],
    not_before: datetime,
    not_after: datetime,
    key: ec.EllipticCurvePrivateKey,
) -> x509.Certificate:
    """A server certificate for `names`, signed by the CA."""
    return (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass
class _Behaviour:
    status: int
    delay: float
    server: asyncio.Server | None = None
    port: int = 0


def plan(mix: dict[str, int]) -> list[tuple[str, str]]:
    """The (domain, kind) pairs of a mix, in a fixed order both processes agree on."""
    unknown = set(mix) - set(EXPECTED)
    if unknown:
        raise ValueError(f"unknown endpoint kinds: {sorted(unknown)}")
    return [
        (f"{kind.replace('_', '-')}-{i:03d}.bed.test", kind)
        for kind, count in mix.items()
        for i in range(count)
    ]


def _behaviour_of(kind: str) -> str:
    return {"slow": "slow", "stalled": "stalled", "error503": "error503"}.get(kind, "fast")


@dataclass
class TlsTestbed:
    """`with TlsTestbed(workdir) as bed:` starts the endpoints; `bed.endpoints` lists them.

    The servers run in a child process: in-process servers would compete with the checks for
    the GIL and the measured latencies would be the test's own contention, not the network's.
    """

    workdir: Path
    mix: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_MIX))
    timing: Timing = field(default_factory=Timing)
    endpoints: list[Endpoint] = field(default_factory=list)
    ca_bundle: Path = field(init=False)
    nameserver: str = field(init=False)

    def __post_init__(self) -> None:
        self._planned = plan(self.mix)
        self._child: subprocess.Popen[str] | None = None

    def __enter__(self) -> TlsTestbed:
        self.workdir.mkdir(parents=True, exist_ok=True)
        spec = {"workdir": str(self.workdir), "mix": self.mix, "timing": asdict(self.timing)}
        self._child = subprocess.Popen(
            [sys.executable, "-m", "tests.testbed.tls_endpoints", json.dumps(spec)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._child.stdout is not None
        line = self._child.stdout.readline()
        if not line:
            self.close()
            raise RuntimeError("the TLS endpoint server did not start")
        ready = json.loads(line)
        self.ca_bundle = Path(ready["ca_bundle"])
        self.nameserver = f"127.0.0.1:{ready['dns_port']}"
        ports: dict[str, int] = ready["ports"]
        for domain, kind in self._planned:
            port = ready["refused_port"] if kind == "refused" else ports[_behaviour_of(kind)]
            self.endpoints.append(
                Endpoint(domain, kind, EXPECTED[kind], self._target(domain, port))
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the child process (it exits when its stdin closes)."""
        child, self._child = self._child, None
        if child is None:
            return
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()

    def _target(self, domain: str, port: int) -> HealthTarget:
        return HealthTarget(
            domain=domain,
            port=port,
            connect_address="127.0.0.1",
            expected_address="127.0.0.1",
            nameserver=self.nameserver,
            timeout=self.timing.timeout,
            slow_after=self.timing.slow_after,
            ca_bundle=self.ca_bundle,
        )

    def targets(self) -> list[HealthTarget]:
        """Every endpoint's target, in order."""
        return [e.target for e in self.endpoints]


class _Servers:
    """The child's side: certificates, the TLS servers, the refusing port and the nameserver."""

    def __init__(self, workdir: Path, mix: dict[str, int], timing: Timing) -> None:
        self.workdir = workdir
        self.planned = plan(mix)
        self.contexts: dict[str, ssl.SSLContext] = {}
        self.handlers: set[asyncio.Task[None]] = set()
        self.behaviours = {
            "fast": _Behaviour(200, 0),
            "slow": _Behaviour(200, timing.slow_delay),
            "stalled": _Behaviour(200, timing.stall_delay),
            "error503": _Behaviour(503, 0),
        }
        self.refusing = socket.socket()
        # Bound but never listening: connections to it are refused, and no one else takes it.
        self.refusing.bind(("127.0.0.1", 0))
        self.dns = LocalDns()

    async def run(self) -> None:
        pki = self._make_pki()
        for domain, kind in self.planned:
            if kind != "refused":
                self._add_cert(pki, domain, kind)
            answer = WRONG_ADDRESS if kind == "dns_mismatch" else "127.0.0.1"
            self.dns.set(domain, "A", [answer])
        await self.dns.start()
        await self._start_servers()
        ready = {
            "ca_bundle": str(self.workdir / "ca.pem"),
            "dns_port": self.dns.port,
            "refused_port": self.refusing.getsockname()[1],
            "ports": {name: b.port for name, b in self.behaviours.items()},
        }
        print(json.dumps(ready), flush=True)
        # Serve until the parent closes our stdin (or dies).
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await self._stop()

    def _make_pki(self) -> _Pki:
        ca_cert, ca_key = make_ca("Jarvis Test Bed CA")
        rogue_cert, rogue_key = make_ca("Someone Else's CA")
        (self.workdir / "ca.pem").write_bytes(_pem(ca_cert))
        return _Pki(ca_cert, ca_key, rogue_cert, rogue_key)

    def _add_cert(self, pki: _Pki, domain: str, kind: str) -> None:
        now = datetime.now(UTC)
        names = [f"other-{domain}"] if kind == "wrong_name" else [domain]
        not_before, not_after = now - timedelta(days=30), now + timedelta(days=60)
        if kind == "expired":
            not_before, not_after = now - timedelta(days=90), now - timedelta(days=2)
        elif kind == "expiring":
            not_after = now + timedelta(days=5)
        ca_cert, ca_key = (pki.rogue_cert, pki.rogue_key) if kind == "untrusted" else (
            pki.ca_cert, pki.ca_key
        )  # fmt: skip
        key = ec.generate_private_key(ec.SECP256R1())
        cert = issue_leaf(ca_cert, ca_key, names, not_before, not_after, key)
        path = self.workdir / f"{domain}.pem"
        path.write_bytes(_pem(cert) + _key_pem(key))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(path)
        self.contexts[domain] = ctx

    async def _start_servers(self) -> None:
        # Names without a certificate of their own get this one, valid for no test domain.
        ca_cert, ca_key = make_ca("fallback")
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        fallback = issue_leaf(ca_cert, ca_key, ["unknown.invalid"], now, now + timedelta(1), key)
        path = self.workdir / "fallback.pem"
        path.write_bytes(_pem(fallback) + _key_pem(key))
        default = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        default.load_cert_chain(path)
        default.sni_callback = self._choose_cert
        for behaviour in self.behaviours.values():
            server = await asyncio.start_server(
                self._handler(behaviour), "127.0.0.1", 0, ssl=default, backlog=1024
            )
            behaviour.server = server
            behaviour.port = server.sockets[0].getsockname()[1]

    def _choose_cert(self, sock: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
        ctx = self.contexts.get(name or "")
        if ctx is not None:
            sock.context = ctx

    def _handler(self, behaviour: _Behaviour) -> Any:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self.handlers.add(task)
            try:
                await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                if behaviour.delay:
                    await asyncio.sleep(behaviour.delay)
                writer.write(
                    f"HTTP/1.1 {behaviour.status} X\r\nContent-Length: 3\r\n"
                    "Connection: close\r\n\r\nok\n".encode()
                )
                await writer.drain()
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ssl.SSLError):
                pass
            except asyncio.CancelledError:
                # Cancelled on shutdown; returning (not re-raising) keeps 3.11 from logging
                # the CancelledError of every stream handler it started.
                return
            finally:
                self.handlers.discard(task)
                writer.close()

        return handle

    async def _stop(self) -> None:
        self.dns.close()
        self.refusing.close()
        for behaviour in self.behaviours.values():
            if behaviour.server is not None:
                behaviour.server.close()
        for task in list(self.handlers):
            task.cancel()
        await asyncio.gather(*self.handlers, return_exceptions=True)


def _quiet_tls_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # Clients here hang up mid-handshake on purpose (bad certificates); that is not news.
    if isinstance(context.get("exception"), ssl.SSLError | ConnectionResetError):
        return
    loop.default_exception_handler(context)


def _serve(spec: dict[str, Any]) -> None:
    servers = _Servers(Path(spec["workdir"]), spec["mix"], Timing(**spec["timing"]))
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_quiet_tls_errors)
    try:
        loop.run_until_complete(servers.run())
    finally:
        loop.close()


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))
