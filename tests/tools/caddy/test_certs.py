"""Renewing a real Pebble certificate served by Caddy, with no failed request meanwhile."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest

from core.errors import NotFound
from tests.testbed.caddy_pebble import Caddy, caddy_site_config, served_serial
from tools.caddy.certs import certificate_dirs, renew
from tools.caddy.client import CaddyAdmin


async def test_renew_gets_a_new_serial_without_a_failed_request(
    caddy: Caddy, pebble_site: str, upstream: str
) -> None:
    async with CaddyAdmin(caddy.admin) as admin:
        config = caddy_site_config(caddy, {pebble_site: upstream})
        await admin.load(config)
        old = served_serial(caddy, pebble_site)
        trust = ssl.create_default_context(cafile=str(caddy.pebble.root))
        url = f"https://127.0.0.1:{caddy.https_port}/"
        statuses: list[int | str] = []
        stop = asyncio.Event()

        async def hammer() -> None:
            while not stop.is_set():
                # A fresh connection each time, so every request makes a TLS handshake.
                async with httpx.AsyncClient(
                    transport=httpx.AsyncHTTPTransport(verify=trust), timeout=5
                ) as client:
                    try:
                        response = await client.get(
                            url,
                            headers={"Host": pebble_site},
                            extensions={"sni_hostname": pebble_site},
                        )
                        statuses.append(response.status_code)
                    except httpx.HTTPError as exc:
                        statuses.append(repr(exc))
                await asyncio.sleep(0.02)

        task = asyncio.create_task(hammer())
        try:
            result = await renew(
                admin,
                caddy.storage,
                pebble_site,
                port=caddy.https_port,
                ca_bundle=str(caddy.pebble.root),
                deadline_s=30,
            )
            await asyncio.sleep(0.3)
        finally:
            stop.set()
            await task
        assert result.new_serial != result.old_serial == format(old, "X")
        assert served_serial(caddy, pebble_site) == int(result.new_serial, 16)
        assert len(statuses) > 5
        assert set(statuses) == {200}, [s for s in statuses if s != 200][:3]
        assert (await admin.get_config())[0] == config  # the site config is as it was
        assert certificate_dirs(caddy.storage, pebble_site)


async def test_renewing_an_unknown_name_changes_nothing(caddy: Caddy) -> None:
    async with CaddyAdmin(caddy.admin) as admin:
        before, _ = await admin.get_config()
        with pytest.raises(NotFound, match=r"no certificate for nothing\.example\.test"):
            await renew(admin, caddy.storage, "nothing.example.test", port=caddy.https_port)
        assert (await admin.get_config())[0] == before
