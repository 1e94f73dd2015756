"""Lexicon provider (Cloudflare) against a local server that speaks Cloudflare's v4 API."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from core.errors import AuthFailed, BadInput, NotFound, RateLimited, Unreachable
from tests.testbed.fake_cloudflare import FakeCloudflare
from tests.testbed.knot import free_port
from tools.dns.lexicon_provider import LexiconProvider, cloudflare

ZONE = "example.test"


@pytest.fixture
def api(fake_cloudflare: FakeCloudflare) -> FakeCloudflare:
    fake_cloudflare.add_zone("other.test")
    fake_cloudflare.add_zone(ZONE)
    return fake_cloudflare


@pytest.fixture
def provider(api: FakeCloudflare) -> LexiconProvider:
    return cloudflare(ZONE, SecretStr(api.token), api_base_url=api.base_url, timeout=10)


async def test_create_replace_delete(provider: LexiconProvider, api: FakeCloudflare) -> None:
    fqdn = f"www.{ZONE}"
    assert await provider.get_records(fqdn, "A") == []

    created = await provider.ensure_record(fqdn, "A", ["10.0.0.1"], ttl=300)
    assert created.changed and created.previous == []
    assert await provider.get_records(fqdn, "A") == ["10.0.0.1"]
    assert not (await provider.ensure_record(fqdn, "A", ["10.0.0.1"], ttl=300)).changed

    replaced = await provider.ensure_record(fqdn, "A", ["10.0.0.2", "10.0.0.3"], ttl=300)
    assert replaced.changed and replaced.previous == ["10.0.0.1"]
    assert await provider.get_records(fqdn, "A") == ["10.0.0.2", "10.0.0.3"]
    # The old record was reused for a new value, not deleted and re-created.
    assert ("DELETE", "/client/v4/zones") not in api.requests
    assert sum(1 for method, _ in api.requests if method == "DELETE") == 0

    shrunk = await provider.ensure_record(fqdn, "A", ["10.0.0.3"], ttl=300)
    assert shrunk.previous == ["10.0.0.2", "10.0.0.3"]
    assert [r["content"] for r in api.zone_records(ZONE)] == ["10.0.0.3"]

    assert (await provider.ensure_record(fqdn, "A", ["10.0.0.3"], ttl=600)).changed
    assert api.zone_records(ZONE)[0]["ttl"] == 600

    one = await provider.delete_record(fqdn, "A", "10.0.0.3")
    assert one.changed and one.previous == ["10.0.0.3"]
    assert not (await provider.delete_record(fqdn, "A")).changed
    assert api.zone_records(ZONE) == []


async def test_txt_and_aaaa(provider: LexiconProvider, api: FakeCloudflare) -> None:
    fqdn = f"_acme-challenge.{ZONE}"
    await provider.ensure_record(fqdn, "TXT", ["token-one", "token-two"])
    assert await provider.get_records(fqdn, "TXT") == ["token-one", "token-two"]
    removed = await provider.delete_record(fqdn, "TXT", "token-one")
    assert removed.changed
    assert await provider.get_records(fqdn, "TXT") == ["token-two"]

    host = f"v6.{ZONE}"
    assert (await provider.ensure_record(host, "AAAA", ["2001:db8::1"])).changed
    assert not (await provider.ensure_record(host, "AAAA", ["2001:DB8:0::1"])).changed
    assert api.zone_records("other.test") == []


async def test_wrong_token_is_auth_failed(api: FakeCloudflare) -> None:
    provider = cloudflare(ZONE, SecretStr("wrong"), api_base_url=api.base_url)
    with pytest.raises(AuthFailed):
        await provider.get_records(f"www.{ZONE}", "A")


async def test_zone_not_in_account_is_not_found(api: FakeCloudflare) -> None:
    provider = cloudflare("missing.test", SecretStr(api.token), api_base_url=api.base_url)
    with pytest.raises(NotFound):
        await provider.ensure_record("www.missing.test", "A", ["10.0.0.1"])


async def test_rate_limit_is_typed(provider: LexiconProvider, api: FakeCloudflare) -> None:
    api.fail_next = (429, {"Retry-After": "7"})
    with pytest.raises(RateLimited) as caught:
        await provider.get_records(f"www.{ZONE}", "A")
    assert caught.value.retry_after == 7.0


async def test_server_error_and_no_server_are_unreachable(api: FakeCloudflare) -> None:
    api.fail_next = (503, {})
    provider = cloudflare(ZONE, SecretStr(api.token), api_base_url=api.base_url)
    with pytest.raises(Unreachable):
        await provider.get_records(f"www.{ZONE}", "A")
    nobody = cloudflare(
        ZONE, SecretStr(api.token), api_base_url=f"http://127.0.0.1:{free_port()}/client/v4"
    )
    with pytest.raises(Unreachable):
        await nobody.get_records(f"www.{ZONE}", "A")


async def test_bad_input(provider: LexiconProvider) -> None:
    with pytest.raises(BadInput):
        await provider.ensure_record(f"www.{ZONE}", "A", ["2001:db8::1"])
    with pytest.raises(BadInput):
        await provider.ensure_record(f"www.{ZONE}", "A", [])
    with pytest.raises(BadInput):
        LexiconProvider("no-such-provider", ZONE, SecretStr("x"))
    with pytest.raises(BadInput):
        LexiconProvider("nosuchprovider", ZONE, SecretStr("x"))
