"""The caddy tools through the real gate and default policy, on the test bed's Caddy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.errors import BadInput
from core.settings import Settings
from memory.db import Database
from memory.domain_models import DomainStatus
from memory.domains import NewDomain, create_domain
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.rules import load_rules
from tests.testbed.caddy_pebble import Caddy
from tools.caddy.client import CaddyAdmin
from tools.caddy.desired import ManagedSite, managed_route
from tools.caddy.snapshots import SnapshotStore
from tools.catalog import build_registry
from tools.deps import ToolDeps

USER = CallContext(actor="user:evin")
HELLO = {"handle": [{"handler": "static_response", "body": "unmanaged"}]}


def config(caddy: Caddy, routes: list[Any]) -> dict[str, Any]:
    """One server on Caddy's HTTPS port, plain HTTP (no certificates, no ACME traffic)."""
    return {
        "admin": {"listen": caddy.admin.removeprefix("http://")},
        "apps": {
            "http": {
                "http_port": caddy.http_port,
                "https_port": caddy.https_port,
                "servers": {
                    "main": {
                        "listen": [f"127.0.0.1:{caddy.https_port}"],
                        "automatic_https": {"disable": True},
                        "routes": routes,
                    }
                },
            }
        },
    }


def route(fqdn: str, upstream: str) -> Any:
    return managed_route(ManagedSite(fqdn=fqdn, upstream=upstream), None)


def added(diff: str, sign: str = "+") -> list[str]:
    """The lines a unified diff adds (or, with sign '-', removes)."""
    return [line for line in diff.splitlines() if line.startswith(sign) and line[:3] != sign * 3]


async def load(caddy: Caddy, cfg: Any) -> None:
    async with CaddyAdmin(caddy.admin) as admin:
        await admin.load(cfg, force=True)


async def live(caddy: Caddy) -> Any:
    async with CaddyAdmin(caddy.admin) as admin:
        return (await admin.get_config())[0]


@pytest.fixture
def settings_(tmp_path: Path, caddy: Caddy) -> Settings:
    (tmp_path / "data").mkdir(exist_ok=True)
    return Settings(
        data_dir=tmp_path / "data",
        domains={"caddy_admin_url": caddy.admin, "caddy_stream_close_delay": None},
    )


@pytest.fixture
def store(settings_: Settings) -> SnapshotStore:
    """The store the tools use (the domain workflows' folder in the data dir)."""
    return SnapshotStore(Path(settings_.data_dir) / "caddy-snapshots")


@pytest.fixture
async def caddy_gate(database: Database, settings_: Settings) -> AsyncIterator[Gate]:
    deps = ToolDeps(settings_, db=database)
    yield Gate(
        database, build_registry(), PolicyEngine(load_rules(None)), deps, Vault(load_key(settings_))
    )
    deps.close()


async def active(db: Database, fqdn: str, target: str) -> None:
    new = NewDomain(
        fqdn=fqdn, zone="example.test", target=target, provider="none", status=DomainStatus.ACTIVE
    )
    await create_domain(db, new)


async def test_drift_reports_managed_routes_and_unmanaged_changes(
    caddy_gate: Gate, database: Database, caddy: Caddy, store: SnapshotStore, upstream: str
) -> None:
    await active(database, "a.example.test", upstream)
    await active(database, "b.example.test", upstream)
    await load(
        caddy,
        config(
            caddy,
            [
                route("a.example.test", "127.0.0.1:1"),  # changed upstream
                route("old.example.test", upstream),  # no active domain
                HELLO,
            ],
        ),
    )
    out = await caddy_gate.invoke(USER, "caddy.drift", {})
    assert out.status == "ok", out
    data = out.data
    assert data is not None and not data["in_sync"]
    assert data["active_domains"] == ["a.example.test", "b.example.test"]
    assert [d["route_id"] for d in data["missing"]] == ["jarvis-b-example-test"]
    assert [d["route_id"] for d in data["changed"]] == ["jarvis-a-example-test"]
    assert "127.0.0.1:1" in data["changed"][0]["detail"]
    assert [d["route_id"] for d in data["unexpected"]] == ["jarvis-old-example-test"]
    # No snapshot yet: the live config is the reference for the unmanaged parts.
    assert data["unmanaged_reference"] is None and not data["unmanaged_changed"]

    in_sync = config(caddy, [route("a.example.test", upstream), route("b.example.test", upstream)])
    in_sync["apps"]["http"]["servers"]["main"]["routes"].append(HELLO)
    await load(caddy, in_sync)
    async with CaddyAdmin(caddy.admin) as admin:
        snap = await store.take(admin, "as Jarvis left it")
    out = await caddy_gate.invoke(USER, "caddy.drift", {})
    assert out.data is not None and out.data["in_sync"], out.data
    assert out.data["unmanaged_reference"] == snap.name

    changed = config(caddy, [route("a.example.test", upstream), route("b.example.test", upstream)])
    changed["apps"]["http"]["servers"]["main"]["routes"].append(
        {"handle": [{"handler": "static_response", "body": "edited by hand"}]}
    )
    await load(caddy, changed)
    out = await caddy_gate.invoke(USER, "caddy.drift", {})
    data = out.data
    assert data is not None and not data["in_sync"]
    assert data["missing"] == data["changed"] == data["unexpected"] == []
    assert data["unmanaged_changed"] and "edited by hand" in data["unmanaged_diff"]


async def test_list_and_restore_a_snapshot_after_approval(
    caddy_gate: Gate, caddy: Caddy, store: SnapshotStore, upstream: str
) -> None:
    empty = await caddy_gate.invoke(USER, "caddy.list_snapshots", {})
    assert empty.status == "no_data", empty
    first = config(caddy, [route("keep.example.test", upstream), HELLO])
    await load(caddy, first)
    async with CaddyAdmin(caddy.admin) as admin:
        snap = await store.take(admin, "good state")
    await load(caddy, config(caddy, []))

    listed = await caddy_gate.invoke(USER, "caddy.list_snapshots", {})
    assert listed.status == "ok" and listed.data is not None
    (view,) = listed.data["snapshots"]
    assert view["id"] == snap.name and view["reason"] == "good state"
    assert view["etag"] == snap.etag and view["size"] == snap.path.stat().st_size > 0

    asked = await caddy_gate.invoke(USER, "caddy.restore_snapshot", {"snapshot_id": snap.name})
    assert asked.status == "approval_required", asked
    assert await live(caddy) == config(caddy, [])  # nothing ran yet
    card = await caddy_gate.approvals.get(asked.approval_id or "")
    assert card.diff is not None and snap.name in card.diff
    assert any('"@id": "jarvis-keep-example-test"' in line for line in added(card.diff))

    done = await caddy_gate.decide(asked.approval_id or "", approve=True, by="user:evin")
    assert done.status == "executed", done
    assert await live(caddy) == first
    result = (done.result or {}).get("data") or {}
    assert result["changed"] and result["managed_routes"] == ["jarvis-keep-example-test"]
    ids = [s.name for s in store.list_snapshots()]
    assert ids[0] == result["snapshot_after"] and result["snapshot_before"] in ids
    assert store.get(result["snapshot_before"]).config == config(caddy, [])


async def test_an_unknown_snapshot_is_refused_before_asking(caddy_gate: Gate, caddy: Caddy) -> None:
    with pytest.raises(BadInput, match="no Caddy config snapshot named"):
        await caddy_gate.invoke(
            USER, "caddy.restore_snapshot", {"snapshot_id": "caddy-19990101T000000000000Z.json"}
        )
    with pytest.raises(BadInput):
        await caddy_gate.invoke(USER, "caddy.restore_snapshot", {"snapshot_id": "../../etc/x"})


def caddyfile(caddy: Caddy) -> str:
    return f"""{{
\tauto_https off
\thttp_port {caddy.http_port}
\thttps_port {caddy.https_port}
}}

:{caddy.https_port} {{
\tbind 127.0.0.1
\trespond "imported"
}}
"""


async def test_import_caddyfile_keeps_managed_routes_and_the_admin_api(
    caddy_gate: Gate, caddy: Caddy, store: SnapshotStore, upstream: str
) -> None:
    before = config(caddy, [route("keep.example.test", upstream), HELLO])
    await load(caddy, before)
    asked = await caddy_gate.invoke(USER, "caddy.import_caddyfile", {"caddyfile": caddyfile(caddy)})
    assert asked.status == "approval_required", asked
    assert await live(caddy) == before
    card = await caddy_gate.approvals.get(asked.approval_id or "")
    assert card.diff is not None and "keeps 1 managed route(s): jarvis-keep-example-test" in (
        card.diff
    )
    assert any('"body": "imported"' in line for line in added(card.diff))
    assert any('"body": "unmanaged"' in line for line in added(card.diff, "-"))

    done = await caddy_gate.decide(asked.approval_id or "", approve=True, by="user:evin")
    assert done.status == "executed", done
    now = await live(caddy)  # reached at the same admin address: it was kept
    assert now["admin"] == before["admin"]
    (server,) = now["apps"]["http"]["servers"].values()
    assert server["routes"][0] == route("keep.example.test", upstream)
    assert "unmanaged" not in str(server["routes"])
    result = (done.result or {}).get("data") or {}
    assert result["managed_routes"] == ["jarvis-keep-example-test"]
    assert store.get(result["snapshot_before"]).config == before
    base = f"http://127.0.0.1:{caddy.https_port}/"
    async with httpx.AsyncClient(trust_env=False, timeout=5) as http:
        assert (await http.get(base)).text == "imported"
        proxied = await http.get(base, headers={"Host": "keep.example.test"})
        assert proxied.text == "hello from the upstream\n"


async def test_an_invalid_caddyfile_is_bad_input_and_changes_nothing(
    caddy_gate: Gate, caddy: Caddy, store: SnapshotStore, upstream: str
) -> None:
    before = config(caddy, [route("keep.example.test", upstream), HELLO])
    await load(caddy, before)
    with pytest.raises(BadInput, match=r"Caddy rejected POST /adapt: .*no_such_directive"):
        await caddy_gate.invoke(
            USER, "caddy.import_caddyfile", {"caddyfile": ":8080 {\n\tno_such_directive\n}\n"}
        )
    moved = "{\n\tadmin 127.0.0.1:1\n}\n:8080 {\n\trespond hi\n}\n"
    with pytest.raises(BadInput, match="moves Caddy's admin API"):
        await caddy_gate.invoke(USER, "caddy.import_caddyfile", {"caddyfile": moved})
    assert await live(caddy) == before
    assert store.list_snapshots() == []
