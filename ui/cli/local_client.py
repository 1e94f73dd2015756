"""`jarvis tools call` through a running `jarvis serve` on this machine, as `docker` asks `dockerd`.

The server already holds the database, the policy and the tool clients, so the terminal only
reads its access file (ui/web/local_access.py) and posts one request. Standard library only:
importing an HTTP client library, pydantic models or the policy stack would cost the time saved.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ui.web.local_access import CALL_PATH, TOKEN_HEADER, LocalAccess, access_file, alive, read

CONNECT_TIMEOUT_SECONDS = 2.0
# Answers after which the call did not run: no token match (another server took the port, or
# the file is another server's), no such route (not a Jarvis server, or an older one), or a body
# the server refused before calling anything. Running it in this process cannot run it twice.
NOT_RUN = frozenset({401, 403, 404, 405, 422})
# Typed errors of the gate, as `jarvis tools call` reports them in-process: the exit code.
EXIT_OF = {400: 2, 409: 1, 503: 1}


class ServerFailed(Exception):
    """The server took the call and answered with an error; `code` is the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def running_server(data_dir: Path) -> LocalAccess | None:
    """The access record of a live server of this data dir on loopback, or None."""
    access = read(access_file(data_dir))
    if access is None or not alive(access.pid):
        return None  # no server, or one that was killed outright (its file stayed behind)
    parts = urlsplit(access.url)
    try:
        loopback = ipaddress.ip_address(parts.hostname or "").is_loopback
        port = parts.port
    except ValueError:
        return None
    # The token goes to this machine only.
    return access if parts.scheme == "http" and loopback and port else None


def call_through_server(
    data_dir: Path, tool: str, args: dict[str, Any], actor: str
) -> dict[str, Any] | None:
    """The outcome as the running server answered it, or None when no server took the call.

    None means nothing ran: the caller runs the tool in-process. Once the server may have
    started the call, a failure raises ServerFailed instead: running it again here could make
    a change twice.
    """
    access = running_server(data_dir)
    if access is None:
        return None
    parts = urlsplit(access.url)
    body = json.dumps({"tool": tool, "args": args, "actor": actor}).encode()
    headers = {"Content-Type": "application/json", TOKEN_HEADER: access.token}
    conn = http.client.HTTPConnection(
        parts.hostname or "", parts.port, timeout=CONNECT_TIMEOUT_SECONDS
    )
    try:
        try:
            conn.connect()
            # A tool takes as long as it takes, as it would in-process; only connecting is timed.
            if conn.sock is not None:
                conn.sock.settimeout(None)
            conn.request("POST", CALL_PATH, body=body, headers=headers)
        except OSError:
            return None  # refused or gone before the request was whole: nothing ran
        try:
            response = conn.getresponse()
            status, raw = response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise _unsure(access, f"no answer ({type(exc).__name__})") from None
    finally:
        conn.close()
    if status in NOT_RUN:
        return None
    return _answer(access, status, raw)


def _answer(access: LocalAccess, status: int, raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if status == 200 and _is_outcome(value):
        return dict(value)
    detail = value.get("detail") if isinstance(value, dict) else None
    if status in EXIT_OF and isinstance(detail, str):
        raise ServerFailed(detail, EXIT_OF[status])
    raise _unsure(access, f"HTTP {status}")


def _is_outcome(value: Any) -> bool:
    invocation = value.get("invocation") if isinstance(value, dict) else None
    return (
        isinstance(value, dict)
        and isinstance(value.get("status"), str)
        and isinstance(invocation, dict)
        and isinstance(invocation.get("tool"), str)
    )


def _unsure(access: LocalAccess, what: str) -> ServerFailed:
    return ServerFailed(
        f"the running `jarvis serve` (pid {access.pid}) took this call but gave {what}; it may "
        "have run: see `jarvis audit tail` and the server's log before calling it again",
        1,
    )
