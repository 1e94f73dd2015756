"""caddy.check_caddyfile against the real Caddy: adapted, never loaded; errors in Caddy's words."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from memory.db import Database
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.rules import load_rules
from tests.testbed.caddy_pebble import Caddy
from tools.catalog import build_registry
from tools.deps import ToolDeps

USER = CallContext(actor="user:evin")
CADDYFILE = """
plex.example.test {
    reverse_proxy plex:32400
}
www.example.test, example.test {
    root * /srv/site
    file_server
}
"""


@pytest.fixture
def caddy_gate(tmp_path: Path, database: Database, caddy: Caddy) -> Gate:
    settings = Settings(data_dir=tmp_path, domains={"caddy_admin_url": caddy.admin})
    deps = ToolDeps(settings, db=database)
    return Gate(
        database, build_registry(), PolicyEngine(load_rules(None)), deps, Vault(load_key(settings))
    )


async def test_sites_are_listed_and_nothing_is_loaded(caddy_gate: Gate, caddy: Caddy) -> None:
    before = httpx.get(f"{caddy.admin}/config/", timeout=10).json()
    outcome = await caddy_gate.invoke(USER, "caddy.check_caddyfile", {"caddyfile": CADDYFILE})
    assert outcome.status == "ok" and outcome.data is not None
    sites = {tuple(s["hosts"]): s["handlers"] for s in outcome.data["sites"]}
    assert sites[("plex.example.test",)] == ["reverse_proxy plex:32400"]
    assert "file_server" in sites[("www.example.test", "example.test")]
    assert httpx.get(f"{caddy.admin}/config/", timeout=10).json() == before


async def test_an_invalid_caddyfile_is_reported_in_caddys_words(caddy_gate: Gate) -> None:
    bad = {"caddyfile": "a.example.test {\n  no_such_thing\n}\n"}
    outcome = await caddy_gate.invoke(USER, "caddy.check_caddyfile", bad)
    assert outcome.status == "error" and "unrecognized directive" in (outcome.message or "")
