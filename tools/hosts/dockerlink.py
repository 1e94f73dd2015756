"""The Docker Engine of another host: the docker SDK over `docker system dial-stdio` on the
pooled SSH connection.

docker-py's own `ssh://` transport opens its own paramiko client from ~/.ssh/config and
~/.ssh/known_hosts, so it can neither use the registered key file nor the pinned host key.
Here each HTTP connection of the SDK is a channel of the pooled, key-verified SSH connection
running `docker system dial-stdio` on the host (the docker CLI there speaks to its engine).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import docker
import paramiko
import urllib3
import urllib3.connection
from docker.constants import MINIMUM_DOCKER_API_VERSION
from docker.transport.basehttpadapter import BaseHTTPAdapter
from docker.transport.sshconn import SSHConnectionPool

from tools.hosts.ssh import SshPool, SshTarget

DIAL_STDIO = ("docker", "system", "dial-stdio")
TIMEOUT_SECONDS = 30
POOL_SIZE = 8

OpenChannel = Callable[[], paramiko.Channel]


class _DialStdioConnection(urllib3.connection.HTTPConnection):
    """An HTTP connection whose socket is an SSH channel running dial-stdio."""

    def __init__(self, open_channel: OpenChannel, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._open_channel = open_channel

    def connect(self) -> None:
        """Open the channel (reconnecting the SSH connection if it died)."""
        self.sock = self._open_channel()


class _DialStdioPool(SSHConnectionPool):
    """docker-py's SSH pool (it avoids fileno() on channels), with our channels."""

    def __init__(self, open_channel: OpenChannel, timeout: int, maxsize: int) -> None:
        super().__init__(ssh_client=None, timeout=timeout, maxsize=maxsize, host="pinned")
        self._open_channel = open_channel
        self._seconds = timeout

    def _new_conn(self) -> _DialStdioConnection:
        return _DialStdioConnection(self._open_channel, self._seconds)


class _DialStdioAdapter(BaseHTTPAdapter):
    """requests adapter handing the SDK one dial-stdio pool; closing it leaves SSH open."""

    def __init__(self, open_channel: OpenChannel, timeout: int, maxsize: int) -> None:
        self._pool = _DialStdioPool(open_channel, timeout, maxsize)
        super().__init__()

    def get_connection(self, url: str | bytes, proxies: Any = None) -> _DialStdioPool:
        """The one pool, whatever the path."""
        return self._pool

    def close(self) -> None:
        """Close the HTTP connections (channels); the SSH connection belongs to the pool."""
        super().close()
        self._pool.close()


def docker_client(pool: SshPool, target: SshTarget) -> docker.DockerClient:
    """A docker SDK client for the engine on `target`, over the pooled SSH connection."""

    def open_channel() -> paramiko.Channel:
        return pool.open_channel(target, DIAL_STDIO)

    # `use_ssh_client` keeps docker-py from connecting on its own while the client is built
    # (its shell-out transport only runs `ssh` when used, and it is replaced before that).
    client = docker.DockerClient(
        base_url=f"ssh://{target.username}@{target.address}:{target.port}",
        use_ssh_client=True,
        version=MINIMUM_DOCKER_API_VERSION,
        timeout=TIMEOUT_SECONDS,
    )
    adapter = _DialStdioAdapter(open_channel, TIMEOUT_SECONDS, POOL_SIZE)
    client.api.mount("http+docker://ssh", adapter)
    api: Any = client.api  # docker-py's own attributes, set as its constructor sets them
    api._custom_adapter = adapter
    # What "version=auto" does, now that requests go through the pinned connection (called
    # directly: docker-py's helper would wrap a refused host key into a generic error).
    api._version = str(api.version(api_version=False)["ApiVersion"])
    return client
