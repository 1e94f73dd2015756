"""SSH with pinned host keys: one reused connection per host, fixed commands, typed errors.

A host's key is pinned in the database. Every connection puts that one key into paramiko's
host keys and rejects anything else (`RejectPolicy` semantics): a different key raises
HostKeyChanged, never a warning, and it is never saved. Commands are fixed argv lists of
known programs; the remote side runs them through its login shell (that is how SSH exec
works), so every word is checked to contain no character a shell would interpret.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import paramiko

from core.errors import AuthFailed, BadInput, JarvisError, Unreachable
from memory.hosts import HostRecord
from tools.hosts.keys import HostKeyChanged, fingerprint, load_private_key, pinned_key

CONNECT_TIMEOUT_SECONDS = 10.0
# Programs a remote command may start; arguments come from code, never from a request.
PROGRAMS = frozenset({"cat", "df", "docker", "ps", "true", "uname"})
_SAFE_WORD = re.compile(r"^[A-Za-z0-9_./=:,%+-]+$")
_CHUNK = 65536


@dataclass(frozen=True)
class SshTarget:
    """Where a host is, how Jarvis logs in, and the host key it must offer."""

    name: str
    username: str
    address: str
    port: int
    key_path: str
    host_key_type: str
    host_key: str
    fingerprint: str

    @classmethod
    def of(cls, record: HostRecord) -> SshTarget:
        """The target of a registered host."""
        return cls(
            name=record.name, username=record.username, address=record.address,
            port=record.port, key_path=record.key_path, host_key_type=record.host_key_type,
            host_key=record.host_key, fingerprint=record.fingerprint,
        )  # fmt: skip

    @property
    def where(self) -> str:
        """user@address:port, as a person would write it."""
        return f"{self.username}@{self.address}:{self.port}"


@dataclass(frozen=True)
class RemoteOutput:
    """What a remote command printed and how it ended."""

    exit_code: int
    stdout: str
    stderr: str
    truncated: bool


class _Capture(paramiko.MissingHostKeyPolicy):
    """First contact only: remember the offered key for this one connection; save nothing."""

    def __init__(self) -> None:
        self.offered: paramiko.PKey | None = None

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        """Keep the key; the caller shows and pins it."""
        self.offered = key


def _host_key_name(address: str, port: int) -> str:
    return address if port == 22 else f"[{address}]:{port}"


def open_client(
    name: str,
    username: str,
    address: str,
    port: int,
    key_path: str,
    pinned: paramiko.PKey | None,
    timeout: float = CONNECT_TIMEOUT_SECONDS,
) -> tuple[paramiko.SSHClient, paramiko.PKey]:
    """Connect and log in; with `pinned`, any other host key is refused (HostKeyChanged).

    Without `pinned` (first contact) the offered key is returned for the caller to show and pin.
    """
    login_key = load_private_key(key_path)
    client = paramiko.SSHClient()
    capture = _Capture()
    if pinned is not None:
        client.get_host_keys().add(_host_key_name(address, port), pinned.get_name(), pinned)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
    else:
        client.set_missing_host_key_policy(capture)
    where = f"{username}@{address}:{port}"
    try:
        client.connect(
            address, port=port, username=username, pkey=login_key, timeout=timeout,
            banner_timeout=timeout, auth_timeout=timeout, allow_agent=False,
            look_for_keys=False,
        )  # fmt: skip
    except paramiko.BadHostKeyException as exc:
        client.close()
        raise HostKeyChanged(
            name, where, fingerprint(exc.expected_key), fingerprint(exc.key)
        ) from None
    except paramiko.AuthenticationException as exc:
        client.close()
        raise AuthFailed(f"host {name} ({where}) refused the key {key_path}: {exc}") from None
    except (OSError, EOFError, paramiko.SSHException) as exc:
        client.close()
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise Unreachable(f"host {name} ({where}) did not answer over SSH: {why}") from None
    transport = client.get_transport()
    assert transport is not None  # connect() succeeded
    offered = transport.get_remote_server_key()
    return client, pinned or capture.offered or offered


def check_argv(argv: Sequence[str]) -> str:
    """The command line for a fixed argv; refuses unknown programs and shell characters."""
    if not argv or argv[0] not in PROGRAMS:
        raise BadInput(f"remote command {argv[:1]} is not one Jarvis runs on other hosts")
    for word in argv:
        if not _SAFE_WORD.match(word):
            raise BadInput(f"remote command word {word!r} has characters a shell would read")
    return " ".join(argv)


class SshPool:
    """One SSH connection per host, reused across calls, reopened when it died."""

    def __init__(self, command_timeout: float, output_cap: int) -> None:
        self.command_timeout = command_timeout
        self.output_cap = output_cap
        self.connects = 0  # how many connections were opened (the benchmark reports it)
        self._lock = threading.Lock()
        self._clients: dict[str, tuple[SshTarget, paramiko.SSHClient]] = {}

    def transport(self, target: SshTarget, fresh: bool = False) -> paramiko.Transport:
        """The live transport to `target`, connecting (and verifying its key) when needed."""
        with self._lock:
            held = self._clients.get(target.name)
            if held is not None:
                known, client = held
                transport = client.get_transport()
                if (
                    known == target
                    and not fresh
                    and transport is not None
                    and transport.is_active()
                ):
                    return transport
                client.close()  # dead, asked to renew, or re-registered meanwhile
                del self._clients[target.name]
            pinned = pinned_key(target.host_key_type, target.host_key)
            client, _ = open_client(
                target.name, target.username, target.address, target.port, target.key_path, pinned
            )
            self.connects += 1
            self._clients[target.name] = (target, client)
            transport = client.get_transport()
            assert transport is not None
            return transport

    def open_channel(self, target: SshTarget, argv: Sequence[str]) -> paramiko.Channel:
        """A session channel running `argv`; a connection that died is reopened once."""
        command = check_argv(argv)
        for attempt in range(2):
            transport = self.transport(target, fresh=attempt > 0)
            try:
                channel = transport.open_session(timeout=CONNECT_TIMEOUT_SECONDS)
                channel.settimeout(self.command_timeout)
                channel.exec_command(command)
                return channel
            except (paramiko.SSHException, EOFError, OSError) as exc:
                if attempt:
                    raise Unreachable(
                        f"host {target.name} ({target.where}) dropped the connection: {exc}"
                    ) from None
        raise AssertionError("unreachable")  # the loop returns or raises

    def run(self, target: SshTarget, argv: Sequence[str]) -> RemoteOutput:
        """Run a fixed command on `target` and collect its output (capped, with a timeout)."""
        channel = self.open_channel(target, argv)
        try:
            channel.shutdown_write()
            out, truncated = self._read(channel, channel.recv)
            err, _ = self._read(channel, channel.recv_stderr)
            code = channel.recv_exit_status() if not truncated else -1
        except TimeoutError:  # socket.timeout
            raise Unreachable(
                f"{argv[0]} on host {target.name} did not finish within {self.command_timeout} s"
            ) from None
        finally:
            channel.close()
        return RemoteOutput(exit_code=code, stdout=out, stderr=err, truncated=truncated)

    def _read(self, channel: paramiko.Channel, recv: object) -> tuple[str, bool]:
        assert callable(recv)
        chunks: list[bytes] = []
        size = 0
        while True:
            data: bytes = recv(_CHUNK)
            if not data:
                break
            chunks.append(data)
            size += len(data)
            if size > self.output_cap:
                return b"".join(chunks)[: self.output_cap].decode("utf-8", "replace"), True
        return b"".join(chunks).decode("utf-8", "replace"), False

    def forget(self, name: str) -> None:
        """Close and drop the connection to host `name` (after it was removed)."""
        with self._lock:
            held = self._clients.pop(name, None)
        if held is not None:
            held[1].close()

    def close(self) -> None:
        """Close every connection."""
        with self._lock:
            held = list(self._clients.values())
            self._clients.clear()
        for _, client in held:
            client.close()


def remote_error(target: SshTarget, argv: Sequence[str], out: RemoteOutput) -> JarvisError:
    """A failed remote command as a typed error with its first line of complaint."""
    first = (out.stderr.strip().splitlines() or ["no message"])[0][:300]
    return JarvisError(f"{' '.join(argv)} on host {target.name} failed ({out.exit_code}): {first}")
