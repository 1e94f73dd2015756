"""The desired config: managed routes added to the HTTPS server, nothing else touched."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from core.errors import BadInput
from tests.testbed.caddy_pebble import Caddy, caddy_site_config, wait_until_served
from tools.caddy.client import CaddyAdmin
from tools.caddy.desired import (
    ManagedSite,
    base_from_caddyfile,
    build_desired,
    drift,
    main_server,
    render_diff,
    route_id,
)
from tools.caddy.snapshots import SnapshotStore, apply

CADDYFILE = """\
{
\tadmin 127.0.0.1:2019
}

legacy.example.test {
\treverse_proxy 127.0.0.1:9000
}
"""


def sites(*pairs: tuple[str, str]) -> list[ManagedSite]:
    return [ManagedSite(fqdn=f, upstream=u) for f, u in pairs]


def test_route_ids_and_site_validation() -> None:
    assert route_id("App.Example.com") == "jarvis-app-example-com"
    assert ManagedSite(fqdn=" App.Example.COM ", upstream="127.0.0.1:80").fqdn == "app.example.com"
    for bad in ({"fqdn": "no spaces.com", "upstream": "a:1"}, {"fqdn": "a.com", "upstream": "x"}):
        with pytest.raises(ValidationError):
            ManagedSite(**bad)
    with pytest.raises(ValidationError):
        ManagedSite(fqdn="a.com", upstream="a:1", extra=1)  # type: ignore[call-arg]


async def test_a_caddyfile_base_keeps_its_routes(caddy: Caddy) -> None:
    async with CaddyAdmin(caddy.admin) as admin:
        base = await base_from_caddyfile(admin, CADDYFILE)
    assert main_server(base) == "srv0"
    legacy = base["apps"]["http"]["servers"]["srv0"]["routes"]
    desired = build_desired(
        base, sites(("b.example.test", "127.0.0.1:2"), ("a.example.test", "127.0.0.1:1"))
    )
    server = desired["apps"]["http"]["servers"]["srv0"]
    ids = [r.get("@id") for r in server["routes"]]
    assert ids == ["jarvis-a-example-test", "jarvis-b-example-test", None]
    assert server["routes"][2:] == legacy
    proxy = server["routes"][0]["handle"][0]
    assert proxy == {
        "handler": "reverse_proxy",
        "upstreams": [{"dial": "127.0.0.1:1"}],
        "stream_close_delay": "5m",
    }
    assert base["apps"]["http"]["servers"]["srv0"]["routes"] == legacy  # base not mutated
    # Building again from the result replaces the managed routes instead of adding more.
    again = build_desired(desired, sites(("a.example.test", "127.0.0.1:3")))
    routes = again["apps"]["http"]["servers"]["srv0"]["routes"]
    assert [r.get("@id") for r in routes] == ["jarvis-a-example-test", None]


def test_which_server_serves_https() -> None:
    two: dict[str, Any] = {
        "apps": {
            "http": {
                "https_port": 8443,
                "servers": {
                    "plain": {"listen": [":80"]},
                    "secure": {"listen": ["127.0.0.1:8443"]},
                },
            }
        }
    }
    assert main_server(two) == "secure"
    with pytest.raises(BadInput, match="no HTTP server"):
        main_server({"apps": {}})
    two["apps"]["http"]["servers"]["other"] = {"listen": [":8443"]}
    with pytest.raises(BadInput, match="cannot tell which server"):
        main_server(two)
    with pytest.raises(BadInput, match="once"):
        build_desired(two, sites(("a.test", "h:1"), ("a.test", "h:2")), server="secure")


def test_diff_and_drift() -> None:
    base: dict[str, Any] = {
        "apps": {"http": {"servers": {"s": {"listen": [":443"], "routes": []}}}}
    }
    desired = build_desired(base, sites(("a.test", "h:1"), ("b.test", "h:2")))
    assert render_diff(desired, json.loads(json.dumps(desired))) == ""
    assert drift(desired, desired, include_unmanaged=True) == []
    live = build_desired(base, sites(("a.test", "h:9"), ("c.test", "h:3")))
    live["apps"]["http"]["servers"]["s"]["routes"].append({"handle": [{"handler": "vars"}]})
    diff = render_diff(live, desired)
    assert diff.startswith("--- live\n+++ desired\n") and '"dial": "h:9"' in diff
    found = drift(live, desired)
    assert [(d.kind, d.target) for d in found] == [
        ("changed", "jarvis-a-test"),
        ("missing", "jarvis-b-test"),
        ("unexpected", "jarvis-c-test"),
    ]
    assert '"dial": "h:1"' in found[0].detail
    unmanaged = drift(live, desired, include_unmanaged=True)[-1]
    assert unmanaged.kind == "unmanaged" and '"handler": "vars"' in unmanaged.detail


async def test_applied_desired_config_serves_the_site(
    caddy: Caddy, upstream: str, tmp_path: Any
) -> None:
    """End to end on Caddy 2.6 (which has no stream_close_delay): build, apply, no drift."""
    base = caddy_site_config(caddy, {})
    base["apps"]["http"]["servers"]["main"]["routes"] = [
        {"handle": [{"handler": "static_response", "body": "fallback"}]}
    ]
    desired = build_desired(base, sites(("app.example.test", upstream)), stream_close_delay=None)
    async with CaddyAdmin(caddy.admin) as admin:
        await apply(admin, desired, SnapshotStore(tmp_path))
        live, _ = await admin.get_config()
        assert drift(live, desired, include_unmanaged=True) == []
        assert await admin.get_id("jarvis-app-example-test", "match") == [
            {"host": ["app.example.test"]}
        ]
    assert wait_until_served(caddy, "app.example.test")
