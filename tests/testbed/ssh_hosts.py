"""A second host: OpenSSH in a network namespace this session makes (10.77.41.0/24).

The namespace has its own address and its own sshd; the filesystem (and so the Docker socket
and the docker CLI) is the machine's own, so `docker system dial-stdio` over SSH reaches the
test engine. The host key can be rotated (sshd restarted with a new one) to play a changed or
spoofed host.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from tests.testbed.services import missing_service

NETNS = "jarvis-h41"
VETH_HOST, VETH_NS = "jvh41a", "jvh41b"
HOST_ADDR, NS_ADDR = "10.77.41.1", "10.77.41.2"
SSHD = "/usr/sbin/sshd"
HOW = "apt-get install -y openssh-server iproute2 (scripts/setup --test), and run as root"


def _sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=30)


def keygen(path: Path) -> str:
    """A new ed25519 key at `path`; returns its public line (`ssh-ed25519 AAAA...`)."""
    path.unlink(missing_ok=True)
    Path(f"{path}.pub").unlink(missing_ok=True)
    _sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "jarvis-test", "-f", str(path))
    return " ".join(Path(f"{path}.pub").read_text().split()[:2])


def _fingerprint(path: Path) -> str:
    return _sh("ssh-keygen", "-lf", f"{path}.pub").stdout.split()[1]


def _answers(port: int = 22, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((NS_ADDR, port), 0.5) as s:
            if s.recv(4).startswith(b"SSH-"):
                return True
        time.sleep(0.05)
    return False


@dataclass
class SshHost:
    """The namespace's sshd: where it listens, the login key, and its current host key."""

    folder: Path
    address: str = NS_ADDR
    port: int = 22
    user: str = "root"
    proc: subprocess.Popen[str] | None = None
    generation: int = 0
    host_key_line: str = ""
    fingerprint: str = ""
    keys: list[Path] = field(default_factory=list)

    @property
    def login_key(self) -> Path:
        """The private key the tests register the host with."""
        return self.folder / "login"

    @property
    def login(self) -> str:
        """USER@ADDRESS for `jarvis hosts add --ssh`."""
        return f"{self.user}@{self.address}"

    def start(self, new_host_key: bool = False, keep_sessions: bool = False) -> None:
        """(Re)start sshd; with `new_host_key` it offers a freshly made key from now on.

        `keep_sessions` leaves connections made before alive (sshd's own restart does)."""
        if new_host_key or not self.keys:
            self.generation += 1
            key = self.folder / f"host_key_{self.generation}"
            keygen(key)
            self.keys.append(key)
        self._serve(self.keys[-1], keep_sessions)

    def restore(self) -> None:
        """Restart sshd with the first host key again (the one tests pin)."""
        self._serve(self.keys[0])

    def _serve(self, key: Path, keep_sessions: bool = False) -> None:
        self.stop(keep_sessions)
        self.host_key_line = " ".join(Path(f"{key}.pub").read_text().split()[:2])
        self.fingerprint = _fingerprint(key)
        config = self.folder / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress {self.address}\nHostKey {key}\n"
            f"PidFile {self.folder / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {self.folder / 'authorized_keys'}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            "StrictModes no\nPermitRootLogin prohibit-password\nMaxSessions 64\n"
            "MaxStartups 64\nSubsystem sftp internal-sftp\n"
        )
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", NETNS, SSHD, "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "sshd.log").open("a"),
            text=True,
        )
        if not _answers(self.port):
            self.stop()
            log = (self.folder / "sshd.log").read_text()[-2000:]
            pytest.fail(f"sshd in namespace {NETNS} did not start:\n{log}")

    def stop(self, keep_sessions: bool = False) -> None:
        """Stop sshd (by the PID this fixture started) and, unless `keep_sessions`, the
        sessions it forked, as a reboot would: connections made before do not outlive it."""
        if self.proc is not None and not keep_sessions:
            with contextlib.suppress(psutil.NoSuchProcess):
                for child in psutil.Process(self.proc.pid).children(recursive=True):
                    with contextlib.suppress(psutil.NoSuchProcess):
                        child.kill()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None


def make_namespace() -> None:
    """The namespace and its veth pair, addressed and up (a leftover is replaced)."""
    _sh("ip", "netns", "del", NETNS, check=False)  # a leftover of a killed session
    _sh("ip", "link", "del", VETH_HOST, check=False)
    _sh("ip", "netns", "add", NETNS)
    _sh("ip", "link", "add", VETH_HOST, "type", "veth", "peer", "name", VETH_NS)
    _sh("ip", "link", "set", VETH_NS, "netns", NETNS)
    _sh("ip", "addr", "add", f"{HOST_ADDR}/24", "dev", VETH_HOST)
    _sh("ip", "link", "set", VETH_HOST, "up")
    ns = ("ip", "netns", "exec", NETNS)
    _sh(*ns, "ip", "addr", "add", f"{NS_ADDR}/24", "dev", VETH_NS)
    _sh(*ns, "ip", "link", "set", VETH_NS, "up")
    _sh(*ns, "ip", "link", "set", "lo", "up")


def remove_namespace() -> None:
    """Delete the veth pair and the namespace."""
    _sh("ip", "link", "del", VETH_HOST, check=False)
    _sh("ip", "netns", "del", NETNS, check=False)


@pytest.fixture(scope="session")
def ssh_host() -> Iterator[SshHost]:
    """A second host reachable over SSH at 10.77.41.2, removed at the end of the session."""
    if not Path(SSHD).exists() or shutil.which("ip") is None or shutil.which("ssh-keygen") is None:
        missing_service("OpenSSH server and iproute2", HOW)
    try:
        make_namespace()
    except subprocess.CalledProcessError as exc:
        remove_namespace()
        missing_service(f"network namespaces ({exc.stderr.strip()})", HOW)
    folder = Path(tempfile.mkdtemp(prefix="jarvis-sshhost-"))
    host = SshHost(folder)
    login_public = keygen(host.login_key)
    (folder / "authorized_keys").write_text(login_public + "\n")
    try:
        host.start()
        yield host
    finally:
        host.stop()
        remove_namespace()
        shutil.rmtree(folder, ignore_errors=True)
