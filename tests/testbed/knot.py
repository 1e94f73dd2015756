"""The Knot DNS test bed: an authoritative server on 127.0.0.1 that accepts RFC 2136 updates.

- `knot`: a session-scoped `knotd` serving `example.test` and `other.test`, updates allowed
  with one TSIG key (hmac-sha256). Started on a free port in a temporary folder and stopped,
  by PID, at the end of the session.
- `running_knot(...)`: the same as a context manager, for tests that need another instance
  (e.g. a second authoritative server that never receives the updates).
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest

from tests.testbed.services import missing_service

HOST = "127.0.0.1"
ZONES = ("example.test", "other.test")
KEY_NAME = "upd-key"
ALGORITHM = "hmac-sha256"
START_TIMEOUT = 10.0
HOW = "apt-get install knot knot-dnsutils (the tests start knotd themselves)"


@dataclass(frozen=True)
class KnotServer:
    """Where a running knotd answers, the zones it serves and the TSIG key it accepts."""

    host: str
    port: int
    zones: tuple[str, ...]
    key_name: str
    secret: str  # base64, as in knot.conf
    algorithm: str
    pid: int
    workdir: Path

    @property
    def zone(self) -> str:
        """The first (main) zone."""
        return self.zones[0]


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((HOST, 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((HOST, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port on 127.0.0.1")


def make_secret() -> str:
    """A TSIG secret from keymgr when it is there, else 32 random bytes in base64."""
    keymgr = shutil.which("keymgr") or (
        "/usr/sbin/keymgr" if Path("/usr/sbin/keymgr").exists() else None
    )
    if keymgr is not None:
        out = subprocess.run(
            [keymgr, "-t", KEY_NAME, ALGORITHM],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        # Output: "# hmac-sha256:upd-key:<secret>" followed by a YAML key block.
        for line in out.stdout.splitlines():
            if line.strip().startswith("secret:"):
                return line.split(":", 1)[1].strip()
    return base64.b64encode(secrets.token_bytes(32)).decode()


def zone_text(zone: str) -> str:
    """A minimal zone: SOA, NS ns1 and ns1's address (127.0.0.1)."""
    return (
        f"$ORIGIN {zone}.\n"
        "$TTL 300\n"
        "@ SOA ns1 hostmaster 1 3600 600 86400 300\n"
        "@ NS ns1\n"
        "ns1 A 127.0.0.1\n"
    )


def _config(workdir: Path, port: int, zones: tuple[str, ...], secret: str) -> str:
    zone_lines = "".join(f"  - domain: {z}\n    acl: upd\n" for z in zones)
    return (
        "server:\n"
        f"    rundir: {workdir / 'run'}\n"
        f"    listen: {HOST}@{port}\n"
        "database:\n"
        f"    storage: {workdir / 'db'}\n"
        "control:\n"
        f"    listen: {workdir / 'run' / 'knot.sock'}\n"
        "log:\n"
        "  - target: stderr\n"
        "    any: info\n"
        "key:\n"
        f"  - id: {KEY_NAME}\n"
        f"    algorithm: {ALGORITHM}\n"
        f"    secret: {secret}\n"
        "acl:\n"
        "  - id: upd\n"
        f"    key: {KEY_NAME}\n"
        "    action: update\n"
        "template:\n"
        "  - id: default\n"
        f"    storage: {workdir / 'zones'}\n"
        '    file: "%s.zone"\n'
        "zone:\n" + zone_lines
    )


def _knotd() -> str | None:
    return shutil.which("knotd") or (
        "/usr/sbin/knotd" if Path("/usr/sbin/knotd").exists() else None
    )


def _answers_soa(port: int, zone: str) -> bool:
    query = dns.message.make_query(zone, "SOA")
    try:
        reply = dns.query.udp(query, HOST, port=port, timeout=0.5)
    except (dns.exception.DNSException, OSError):
        return False
    return reply.rcode() == dns.rcode.NOERROR and bool(reply.answer)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _start(
    knotd: str, workdir: Path, zones: tuple[str, ...], secret: str
) -> tuple[subprocess.Popen[bytes], int]:
    for sub in ("run", "db", "zones"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    for zone in zones:
        (workdir / "zones" / f"{zone}.zone").write_text(zone_text(zone))
    log = workdir / "knotd.log"
    # A port picked as free can be taken before knotd binds it: try a few.
    for _ in range(3):
        port = free_port()
        conf = workdir / "knot.conf"
        conf.write_text(_config(workdir, port, zones, secret))
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [knotd, "-c", str(conf)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if _answers_soa(port, zones[0]):
                return proc, port
            time.sleep(0.05)
        _stop(proc)
    tail = log.read_text(errors="replace")[-2000:]
    missing_service("Knot DNS", f"knotd did not answer SOA within {START_TIMEOUT:.0f} s:\n{tail}")
    raise AssertionError("unreachable")


@contextlib.contextmanager
def running_knot(zones: tuple[str, ...] = ZONES, secret: str | None = None) -> Iterator[KnotServer]:
    """Start a knotd serving `zones` on a free port; stop it (by PID) on exit."""
    knotd = _knotd()
    if knotd is None:
        missing_service("Knot DNS (knotd)", HOW)
        raise AssertionError("unreachable")
    key = secret or make_secret()
    with tempfile.TemporaryDirectory(prefix="jarvis-knot-") as tmp:
        workdir = Path(tmp)
        proc, port = _start(knotd, workdir, zones, key)
        try:
            yield KnotServer(HOST, port, zones, KEY_NAME, key, ALGORITHM, proc.pid, workdir)
        finally:
            _stop(proc)


@pytest.fixture(scope="session")
def knot() -> Iterator[KnotServer]:
    """A knotd for the whole session: example.test and other.test, updates with TSIG."""
    with running_knot() as server:
        yield server
