"""The Caddy admin client against a real Caddy: Etags, atomic loads, adapt, @id, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from core.errors import BadInput, Conflict, NotFound, Unreachable
from tests.testbed.caddy_pebble import Caddy, caddy_site_config, free_port
from tools.caddy.client import CaddyAdmin


def plain_config(caddy: Caddy, route_id: str = "hello") -> dict[str, Any]:
    """A config with one plain-HTTP server on a free port and a static route tagged @id."""
    return {
        "admin": {"listen": caddy.admin.removeprefix("http://")},
        "apps": {
            "http": {
                "servers": {
                    "plain": {
                        "listen": [f"127.0.0.1:{free_port()}"],
                        "automatic_https": {"disable": True},
                        "routes": [
                            {
                                "@id": route_id,
                                "handle": [{"handler": "static_response", "body": "hi"}],
                            }
                        ],
                    }
                }
            }
        },
    }


async def test_get_config_returns_the_loaded_config_and_an_etag(caddy: Caddy) -> None:
    async with CaddyAdmin(caddy.admin) as admin:
        config = plain_config(caddy)
        await admin.load(config)
        live, etag = await admin.get_config()
        assert live == config
        assert etag
        listen, _ = await admin.get_config("apps/http/servers/plain/listen")
        assert listen == config["apps"]["http"]["servers"]["plain"]["listen"]


async def test_load_with_a_stale_etag_is_a_conflict(caddy: Caddy) -> None:
    async with CaddyAdmin(caddy.admin) as admin:
        await admin.load(plain_config(caddy))
        _, etag = await admin.get_config()
        changed = plain_config(caddy)
        await admin.load(changed, if_match=etag)  # the current Etag is accepted
        with pytest.raises(Conflict, match="changed since it was read"):
            await admin.load(plain_config(caddy), if_match=etag)
        assert (await admin.get_config())[0] == changed


async def test_an_invalid_config_is_bad_input_with_caddys_message(caddy: Caddy) -> None:
    async with CaddyAdmin(caddy.admin) as admin:
        good = plain_config(caddy)
        await admin.load(good)
        bad = plain_config(caddy)
        bad["apps"]["http"]["servers"]["plain"]["routes"][0]["handle"][0]["handler"] = "nope"
        with pytest.raises(BadInput, match=r"unknown module: http\.handlers\.nope"):
            await admin.load(bad)
        assert (await admin.get_config())[0] == good  # the old config stays


async def test_adapt_turns_a_caddyfile_into_json(caddy: Caddy) -> None:
    async with CaddyAdmin(caddy.admin) as admin:
        config = await admin.adapt("app.example.test {\n\treverse_proxy 127.0.0.1:9\n}\n")
        server = config["apps"]["http"]["servers"]["srv0"]
        assert server["routes"][0]["match"] == [{"host": ["app.example.test"]}]
        with pytest.raises(BadInput, match="Caddy rejected POST /adapt"):
            await admin.adapt("app.example.test {\n\tno_such_directive\n}\n")


async def test_objects_are_read_and_changed_by_id(caddy: Caddy) -> None:
    async with CaddyAdmin(caddy.admin) as admin:
        await admin.load(plain_config(caddy, "jarvis-hello"))
        route = await admin.get_id("jarvis-hello")
        assert route["handle"][0]["body"] == "hi"
        await admin.patch_id("jarvis-hello", "bye", "handle/0/body")
        assert await admin.get_id("jarvis-hello", "handle/0/body") == "bye"
        await admin.post_id("jarvis-hello", {"handler": "vars"}, "handle")
        assert len(await admin.get_id("jarvis-hello", "handle")) == 2
        await admin.delete_id("jarvis-hello")
        with pytest.raises(NotFound):
            await admin.get_id("jarvis-hello")
        with pytest.raises(BadInput, match="invalid Caddy @id"):
            await admin.get_id("a/b")


async def test_a_site_config_loads_through_the_client(caddy: Caddy, upstream: str) -> None:
    async with CaddyAdmin(caddy.admin) as admin:
        config = caddy_site_config(caddy, {"app.example.test": upstream})
        await admin.load(config, force=True)
        assert (await admin.get_config())[0] == config


async def test_a_closed_port_is_unreachable() -> None:
    async with CaddyAdmin(f"http://127.0.0.1:{free_port()}", timeout=2) as admin:
        with pytest.raises(Unreachable, match="unreachable"):
            await admin.get_config()


async def test_headers_for_etags_and_forced_reloads() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/adapt":
            return httpx.Response(200, json={"result": {"apps": {}}, "warnings": []})
        return httpx.Response(200)

    transport = httpx.MockTransport(answer)
    async with CaddyAdmin("http://127.0.0.1:2019/", transport=transport) as admin:
        await admin.load({"apps": {}}, if_match='"/config/ abc"', force=True)
        await admin.load({"apps": {}})
        assert await admin.adapt(":80\n") == {"apps": {}}
        await admin.set_config("apps/http", {}, method="PUT", if_match='"x"')
    forced, plain, adapt, put = seen
    assert forced.url.path == "/config/" and plain.url.path == "/load"
    assert forced.headers["If-Match"] == '"/config/ abc"'
    assert forced.headers["Cache-Control"] == "must-revalidate"
    assert json.loads(forced.content) == {"apps": {}}
    assert "If-Match" not in plain.headers and "Cache-Control" not in plain.headers
    assert adapt.headers["Content-Type"] == "text/caddyfile" and adapt.content == b":80\n"
    assert put.method == "PUT" and put.url.path == "/config/apps/http"


async def test_server_errors_are_typed() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"error": "boom"})

    async with CaddyAdmin("http://127.0.0.1:2019", transport=httpx.MockTransport(answer)) as admin:
        with pytest.raises(Unreachable, match="boom"):
            await admin.get_config()
        with pytest.raises(Exception, match="Caddy answered 500 to POST /load: boom"):
            await admin.load({})
