"""Registering a host: check what was typed, connect once, pin the host key it offers."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re

from core.errors import BadInput
from memory.audit_notes import AuditNote
from memory.db import Database
from memory.hosts import HostRecord, add_host, find_host, remove_host
from memory.models import utcnow
from tools.hosts.base import HOST_NAME_PATTERN, RESERVED
from tools.hosts.keys import fingerprint, parse_public_key
from tools.hosts.ssh import open_client

_USER = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$", re.IGNORECASE)
_DNS_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    re.IGNORECASE,
)


def check_name(name: str) -> str:
    """A host name Jarvis can use in tool arguments and policy rules."""
    if not re.match(HOST_NAME_PATTERN, name):
        raise BadInput(
            f"host name {name!r}: use 1-63 lower-case letters, digits and '-', e.g. 'nas'"
        )
    if name in RESERVED:
        raise BadInput(f"host name {name!r} is reserved for this machine; pick another")
    return name


def parse_login(text: str) -> tuple[str, str]:
    """USER@ADDRESS (an IPv4/IPv6 address or a DNS name) as (user, address)."""
    user, at, address = text.rpartition("@")
    if not at or not _USER.match(user):
        raise BadInput(f"--ssh {text!r}: write it as USER@ADDRESS, e.g. admin@192.168.1.20")
    address = address.removeprefix("[").removesuffix("]")
    try:
        return user, str(ipaddress.ip_address(address))
    except ValueError:
        pass
    if not _DNS_NAME.match(address):
        raise BadInput(f"--ssh {text!r}: {address!r} is neither an IP address nor a host name")
    return user, address.lower()


async def enrol(
    db: Database,
    name: str,
    login: str,
    port: int,
    key_path: str,
    known_host_key: str | None,
    actor: str,
) -> HostRecord:
    """Connect once, verify (or learn) the host key, and store the host with it pinned.

    With `known_host_key`, a host offering any other key is refused (HostKeyChanged);
    without it the key offered now is trusted (trust on first use) and shown to the caller.
    Nothing is stored when anything fails.
    """
    check_name(name)
    username, address = parse_login(login)
    if not 1 <= port <= 65535:
        raise BadInput(f"--port {port}: a TCP port is 1-65535")
    key_path = os.path.abspath(os.path.expanduser(key_path))
    if not os.path.isfile(key_path):
        raise BadInput(f"--key {key_path}: no such file")
    expected = parse_public_key(known_host_key) if known_host_key else None
    if await find_host(db, name) is not None:
        raise BadInput(f"a host called {name!r} exists already (jarvis hosts remove {name} first)")
    client, key = await asyncio.to_thread(
        open_client, name, username, address, port, key_path, expected
    )
    client.close()
    now = utcnow()
    record = HostRecord(
        name=name, username=username, address=address, port=port, key_path=key_path,
        host_key_type=key.get_name(), host_key=key.get_base64(), fingerprint=fingerprint(key),
        created_at=now, last_seen_at=now,
    )  # fmt: skip
    how = "given with --known-host-key" if expected is not None else "trusted on first use"
    note = AuditNote(
        actor=actor,
        event="host.added",
        resource=f"host:{name}",
        data={"address": f"{username}@{address}:{port}", "fingerprint": record.fingerprint,
              "host_key_type": record.host_key_type, "pinned": how},
    )  # fmt: skip
    return await add_host(db, record, note)


async def forget(db: Database, name: str, actor: str) -> HostRecord:
    """Remove a registered host and its pinned key (audited)."""
    note = AuditNote(actor=actor, event="host.removed", resource=f"host:{name}")
    return await remove_host(db, name, note)
