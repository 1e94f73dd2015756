"""How a running `jarvis serve` tells the `jarvis` command on the same machine where to reach it.

Like `docker` and `dockerd`: the server writes `<data dir>/run/cli.json` (0600, in a 0700
folder) with its loopback URL, its PID and a fresh random token; `jarvis tools call` reads it
and asks the server instead of loading the whole stack itself. Only the owner of the data dir
can read the token, and that person could run the tool in-process anyway. This module uses the
standard library only: the CLI reads the file before it imports anything heavy.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import os
import secrets
import stat
from dataclasses import asdict, dataclass
from pathlib import Path

from core.paths import PRIVATE_FILE, private_dir

RUN_DIR = "run"
ACCESS_FILE = "cli.json"
TOKEN_HEADER = "X-Jarvis-Local-Token"  # noqa: S105  (a header name, not a secret)
CALL_PATH = "/api/v1/local/tools/call"
# Addresses that listen on every interface, loopback included.
WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104


@dataclass(frozen=True)
class LocalAccess:
    """Where the server answers (a loopback URL), which process it is, and its token."""

    url: str
    pid: int
    token: str


def access_file(data_dir: Path) -> Path:
    """The file a running server writes in `data_dir`."""
    return data_dir / RUN_DIR / ACCESS_FILE


def new_access(url: str) -> LocalAccess:
    """This process's access record for `url`, with a fresh token."""
    return LocalAccess(url=url, pid=os.getpid(), token=secrets.token_urlsafe(32))


def loopback_url(host: str, port: int) -> str | None:
    """A loopback URL that reaches a server listening on `host`, or None when none does.

    A wildcard address also listens on loopback. A server bound to one LAN address cannot be
    reached over loopback, and the CLI would send its token across an interface others can
    reach, so such a server writes no file and the CLI runs tools in-process.
    """
    name = host.strip().strip("[]")
    if name in WILDCARDS:
        name = WILDCARDS[name]
    elif name == "localhost":
        name = "127.0.0.1"
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    if not address.is_loopback:
        return None
    shown = f"[{address}]" if address.version == 6 else str(address)
    return f"http://{shown}:{port}"


def publish(data_dir: Path, access: LocalAccess) -> Path:
    """Write the access file atomically (0600 in a 0700 folder); returns its path."""
    path = access_file(data_dir)
    private_dir(path.parent)
    temporary = path.with_name(f".{ACCESS_FILE}.{access.pid}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(access), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def withdraw(data_dir: Path, access: LocalAccess) -> bool:
    """Remove the access file if it is still this server's (another may have replaced it)."""
    path = access_file(data_dir)
    found = read(path)
    if found is None or found.pid != access.pid or not same_token(found.token, access.token):
        return False
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True


def read(path: Path) -> LocalAccess | None:
    """The access record in `path`; None if absent, unreadable, malformed or not private."""
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            # Only a file of ours that nobody else could have written is trusted.
            if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
                return None
            raw = json.loads(handle.read(4096))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict):
        return None
    url, pid, token = raw.get("url"), raw.get("pid"), raw.get("token")
    if not (isinstance(url, str) and isinstance(pid, int) and isinstance(token, str) and token):
        return None
    return LocalAccess(url=url, pid=pid, token=token)


def alive(pid: int) -> bool:
    """Whether a process with this PID exists."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def same_token(given: str, expected: str) -> bool:
    """Constant-time comparison of two tokens."""
    return hmac.compare_digest(given.encode(), expected.encode())
