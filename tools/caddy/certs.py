"""Renewing one site's certificate now, without a moment where the site has none."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ChangeFailed, NotFound
from tools.caddy.client import CaddyAdmin
from tools.ssl.check import check_certificate

RENEW_DEADLINE_SECONDS = 120.0
POLL_SECONDS = 0.1
BRIDGE_TAG = "jarvis-renewal"


@dataclass(frozen=True)
class Renewal:
    """What a renewal did: the certificate served before and after."""

    fqdn: str
    old_serial: str
    new_serial: str
    seconds: float


def certificate_dirs(storage_dir: Path, fqdn: str) -> list[Path]:
    """Caddy's storage folders for `fqdn` (certificates/<issuer>/<fqdn>/)."""
    return sorted(p for p in (Path(storage_dir) / "certificates").glob(f"*/{fqdn}") if p.is_dir())


def _bridge(config: Any, cert_pem: str, key_pem: str) -> Any:
    """`config` plus the old certificate loaded by hand, served while Caddy gets a new one."""
    bridged = copy.deepcopy(config)
    tls = bridged.setdefault("apps", {}).setdefault("tls", {})
    tls.setdefault("certificates", {}).setdefault("load_pem", []).append(
        {"certificate": cert_pem, "key": key_pem, "tags": [BRIDGE_TAG]}
    )
    for server in bridged.get("apps", {}).get("http", {}).get("servers", {}).values():
        # Keep managing the name although a certificate for it is loaded by hand.
        server.setdefault("automatic_https", {})["ignore_loaded_certificates"] = True
    return bridged


async def renew(
    admin: CaddyAdmin,
    storage_dir: Path,
    fqdn: str,
    *,
    host: str = "127.0.0.1",
    port: int = 443,
    ca_bundle: str | None = None,
    deadline_s: float = RENEW_DEADLINE_SECONDS,
) -> Renewal:
    """Make Caddy obtain a new certificate for `fqdn` now; the site config stays as it is.

    The stored certificate is removed and, while Caddy obtains a new one, the old one keeps
    being served (loaded by hand). Waits, up to `deadline_s`, until the served serial changes.
    """
    started = time.monotonic()
    until = started + deadline_s
    dirs = certificate_dirs(storage_dir, fqdn)
    if not dirs:
        raise NotFound(f"Caddy's storage holds no certificate for {fqdn}")
    before = await asyncio.to_thread(check_certificate, host, port, fqdn, ca_bundle)
    if before.serial is None:
        raise ChangeFailed(f"cannot read the certificate served for {fqdn}: {before.error}")
    cert_file, key_file = dirs[0] / f"{fqdn}.crt", dirs[0] / f"{fqdn}.key"
    if not (cert_file.is_file() and key_file.is_file()):
        raise NotFound(f"no certificate and key for {fqdn} in {dirs[0]}")
    cert_pem, key_pem = cert_file.read_text(), key_file.read_text()
    saved = {p: p.read_bytes() for d in dirs for p in d.iterdir() if p.is_file()}
    live, _ = await admin.get_config()
    try:
        for path in saved:
            path.unlink()
        await admin.load(_bridge(live, cert_pem, key_pem), force=True)
        await _wait_for(lambda: _stored(storage_dir, fqdn), until, f"a new certificate for {fqdn}")
        await admin.load(live, force=True)

        async def changed() -> str | None:
            now = await asyncio.to_thread(check_certificate, host, port, fqdn, ca_bundle)
            return now.serial if now.serial not in (None, before.serial) else None

        new_serial = await _wait_async(changed, until, f"Caddy to serve the new {fqdn} certificate")
    except Exception as exc:
        await _undo(admin, live, saved)
        raise ChangeFailed(
            f"renewing the certificate for {fqdn} failed ({exc}); the old certificate and "
            "config were put back",
            {"fqdn": fqdn, "rolled_back": True},
        ) from exc
    return Renewal(fqdn, before.serial, new_serial, round(time.monotonic() - started, 3))


def _stored(storage_dir: Path, fqdn: str) -> bool:
    return any(
        (d / f"{fqdn}.crt").is_file() and (d / f"{fqdn}.key").is_file()
        for d in certificate_dirs(storage_dir, fqdn)
    )


async def _wait_for(ready: Any, until: float, what: str) -> None:
    while not ready():
        if time.monotonic() > until:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL_SECONDS)


async def _wait_async(probe: Any, until: float, what: str) -> str:
    while True:
        value = await probe()
        if value is not None:
            return str(value)
        if time.monotonic() > until:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL_SECONDS)


async def _undo(admin: CaddyAdmin, live: Any, saved: dict[Path, bytes]) -> None:
    for path, data in saved.items():
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    # The error that brought us here is the one to report.
    with contextlib.suppress(Exception):
        await admin.load(live, force=True)
