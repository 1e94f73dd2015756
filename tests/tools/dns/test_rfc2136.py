"""RFC 2136 provider against a real Knot DNS server on 127.0.0.1."""

from __future__ import annotations

import base64
import uuid

import pytest
from pydantic import SecretStr

from core.errors import AuthFailed, BadInput, NotFound, Unreachable
from tests.testbed.knot import KnotServer, free_port
from tools.dns.rfc2136 import Rfc2136Provider


def _provider(knot: KnotServer, **overrides: object) -> Rfc2136Provider:
    args: dict[str, object] = {
        "server": knot.host,
        "port": knot.port,
        "zones": knot.zones,
        "key_name": knot.key_name,
        "key_secret": SecretStr(knot.secret),
        "algorithm": knot.algorithm,
        "timeout": 2.0,
    }
    args.update(overrides)
    return Rfc2136Provider(**args)  # type: ignore[arg-type]


def _name(knot: KnotServer, zone: str | None = None) -> str:
    return f"t{uuid.uuid4().hex[:10]}.{zone or knot.zone}"


@pytest.fixture
def provider(knot: KnotServer) -> Rfc2136Provider:
    return _provider(knot)


async def test_a_create_replace_delete(provider: Rfc2136Provider, knot: KnotServer) -> None:
    fqdn = _name(knot)
    assert await provider.get_records(fqdn, "A") == []

    created = await provider.ensure_record(fqdn, "A", ["10.0.0.1"], ttl=120)
    assert created.changed and created.previous == []
    assert await provider.get_records(fqdn, "A") == ["10.0.0.1"]

    again = await provider.ensure_record(fqdn, "A", ["10.0.0.1"], ttl=120)
    assert not again.changed and again.previous == ["10.0.0.1"]

    replaced = await provider.ensure_record(fqdn, "A", ["10.0.0.3", "10.0.0.2"], ttl=120)
    assert replaced.changed and replaced.previous == ["10.0.0.1"]
    assert await provider.get_records(fqdn, "A") == ["10.0.0.2", "10.0.0.3"]

    one = await provider.delete_record(fqdn, "A", "10.0.0.2")
    assert one.changed and one.previous == ["10.0.0.2", "10.0.0.3"]
    assert await provider.get_records(fqdn, "A") == ["10.0.0.3"]
    assert not (await provider.delete_record(fqdn, "A", "10.0.0.9")).changed

    gone = await provider.delete_record(fqdn, "A")
    assert gone.changed and gone.previous == ["10.0.0.3"]
    assert await provider.get_records(fqdn, "A") == []
    assert not (await provider.delete_record(fqdn, "A")).changed


async def test_ttl_change_alone_is_a_change(provider: Rfc2136Provider, knot: KnotServer) -> None:
    fqdn = _name(knot)
    await provider.ensure_record(fqdn, "A", ["10.1.0.1"], ttl=300)
    assert (await provider.ensure_record(fqdn, "A", ["10.1.0.1"], ttl=600)).changed
    assert not (await provider.ensure_record(fqdn, "A", ["10.1.0.1"], ttl=600)).changed


async def test_aaaa_is_idempotent_across_spellings(
    provider: Rfc2136Provider, knot: KnotServer
) -> None:
    fqdn = _name(knot)
    assert (await provider.ensure_record(fqdn, "AAAA", ["2001:DB8:0::1"])).changed
    assert await provider.get_records(fqdn, "AAAA") == ["2001:db8::1"]
    assert not (await provider.ensure_record(fqdn, "aaaa", ["2001:db8::1"])).changed
    assert (await provider.delete_record(fqdn, "AAAA", "2001:db8:0:0::1")).changed
    assert await provider.get_records(fqdn, "AAAA") == []


async def test_txt_long_and_quoted_values(provider: Rfc2136Provider, knot: KnotServer) -> None:
    fqdn = _name(knot)
    long_value = "v=DKIM1; k=rsa; p=" + "A" * 400
    quoted = 'say "hi" there'
    result = await provider.ensure_record(fqdn, "TXT", [long_value, quoted])
    assert result.changed
    assert await provider.get_records(fqdn, "TXT") == sorted([long_value, quoted])
    assert not (await provider.ensure_record(fqdn, "TXT", [quoted, long_value])).changed
    replaced = await provider.ensure_record(fqdn, "TXT", ["acme-token"])
    assert replaced.previous == sorted([long_value, quoted])
    assert await provider.get_records(fqdn, "TXT") == ["acme-token"]


async def test_cname_in_second_zone(provider: Rfc2136Provider, knot: KnotServer) -> None:
    fqdn = _name(knot, knot.zones[1])
    assert (await provider.ensure_record(fqdn, "CNAME", ["Target.Example.Test."])).changed
    assert await provider.get_records(fqdn, "CNAME") == ["target.example.test"]
    assert not (await provider.ensure_record(fqdn, "CNAME", ["target.example.test"])).changed


@pytest.mark.parametrize(
    ("rtype", "values"),
    [
        ("A", ["2001:db8::1"]),
        ("A", ["not-an-ip"]),
        ("AAAA", ["10.0.0.1"]),
        ("CNAME", ["10.0.0.1"]),
        ("CNAME", ["a.example.test", "b.example.test"]),
        ("TXT", ["x" * 5000]),
        ("TXT", [""]),
        ("A", []),
        ("HINFO", ["x y"]),
    ],
)
async def test_bad_values_are_bad_input(
    provider: Rfc2136Provider, knot: KnotServer, rtype: str, values: list[str]
) -> None:
    with pytest.raises(BadInput):
        await provider.ensure_record(_name(knot), rtype, values)


async def test_wrong_secret_is_auth_failed(knot: KnotServer) -> None:
    wrong = base64.b64encode(b"w" * 32).decode()
    provider = _provider(knot, key_secret=SecretStr(wrong))
    with pytest.raises(AuthFailed):
        await provider.ensure_record(_name(knot), "A", ["10.0.0.1"])


async def test_unknown_key_name_is_auth_failed(knot: KnotServer) -> None:
    provider = _provider(knot, key_name="someone-else")
    with pytest.raises(AuthFailed):
        await provider.ensure_record(_name(knot), "A", ["10.0.0.1"])


async def test_zone_not_served_is_not_found(knot: KnotServer) -> None:
    provider = _provider(knot, zones=[*knot.zones, "elsewhere.test"])
    with pytest.raises(NotFound):
        await provider.ensure_record("www.elsewhere.test", "A", ["10.0.0.1"])
    with pytest.raises(NotFound):
        await provider.get_records("www.elsewhere.test", "A")


async def test_name_outside_configured_zones_is_bad_input(provider: Rfc2136Provider) -> None:
    with pytest.raises(BadInput):
        await provider.get_records("www.unrelated.test", "A")


async def test_nothing_listening_is_unreachable(knot: KnotServer) -> None:
    provider = _provider(knot, port=free_port(), timeout=0.5)
    with pytest.raises(Unreachable):
        await provider.get_records(_name(knot), "A")


def test_constructor_checks_its_settings(knot: KnotServer) -> None:
    with pytest.raises(BadInput):
        _provider(knot, key_secret=SecretStr("not base64 !"))
    with pytest.raises(BadInput):
        _provider(knot, algorithm="md5")
    with pytest.raises(BadInput):
        _provider(knot, zones=[])
    assert "TXT" in _provider(knot).capabilities.record_types
