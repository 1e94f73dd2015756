"""Host keys: SHA256 fingerprints as ssh-keygen prints them, parsing a pasted public key."""

from __future__ import annotations

import base64
import hashlib

import paramiko
from paramiko.pkey import UnknownKeyType

from core.errors import BadInput, JarvisError


class HostKeyChanged(JarvisError):
    """A host offered another host key than the pinned one: refused, nothing was run."""

    kind = "host_key_changed"

    def __init__(self, host: str, where: str, pinned: str, offered: str) -> None:
        super().__init__(
            f"host {host} ({where}) offered host key {offered}, but {pinned} is pinned: "
            "the connection was refused and nothing was run. This is what a machine in the "
            "middle looks like. If the host was reinstalled or its key rotated on purpose, "
            "read the new fingerprint on the host itself (ssh-keygen -lf "
            "/etc/ssh/ssh_host_ed25519_key.pub), then re-pin it: "
            f"jarvis hosts remove {host}, and jarvis hosts add {host} again with "
            "--known-host-key.",
            {"host": host, "address": where, "pinned": pinned, "offered": offered},
        )
        self.host = host
        self.pinned = pinned
        self.offered = offered


def fingerprint_of(key_type: str, key_base64: str) -> str:
    """`SHA256:...` of a public key, as `ssh-keygen -lf` prints it (no padding)."""
    del key_type  # the fingerprint covers the key blob, which names its type itself
    digest = hashlib.sha256(base64.b64decode(key_base64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def fingerprint(key: paramiko.PKey) -> str:
    """`SHA256:...` of a paramiko key."""
    return fingerprint_of(key.get_name(), key.get_base64())


def parse_public_key(text: str) -> paramiko.PKey:
    """A key as in known_hosts or a .pub file (`ssh-ed25519 AAAA... [comment]`)."""
    parts = text.split()
    if len(parts) < 2:
        raise BadInput("a host key is written as TYPE BASE64, e.g. 'ssh-ed25519 AAAAC3Nz...'")
    key_type, blob = parts[0], parts[1]
    try:
        key = paramiko.PKey.from_type_string(key_type, base64.b64decode(blob, validate=True))
    except (ValueError, paramiko.SSHException, UnknownKeyType) as exc:
        raise BadInput(f"not a usable SSH public key ({key_type}): {exc}") from None
    return key


def pinned_key(key_type: str, key_base64: str) -> paramiko.PKey:
    """The stored pinned key as a paramiko key."""
    return paramiko.PKey.from_type_string(key_type, base64.b64decode(key_base64))


def load_private_key(path: str) -> paramiko.PKey:
    """The key Jarvis logs in with; BadInput when it is missing, unreadable or encrypted."""
    try:
        return paramiko.PKey.from_path(path)
    except FileNotFoundError:
        raise BadInput(f"key file {path} does not exist") from None
    except PermissionError:
        raise BadInput(f"key file {path} cannot be read (permissions)") from None
    except paramiko.PasswordRequiredException:
        raise BadInput(f"key file {path} is protected by a passphrase; use one without") from None
    except (paramiko.SSHException, ValueError, OSError) as exc:
        raise BadInput(f"key file {path} is not a private key paramiko can use: {exc}") from None
