"""ZoneEdit against a real local fake of its protocol, with DNS reads from a local responder."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from core.errors import (
    AuthFailed,
    BadInput,
    ChangeFailed,
    JarvisError,
    NotFound,
    RateLimited,
    Unreachable,
)
from memory.db import Database
from tests.testbed.fake_zoneedit import (
    FAKE_TOKEN,
    FAKE_USER,
    FakeZoneEdit,
    Mode,
    serve_fake_zoneedit,
)
from tests.tools.dns.local_dns import LocalDns
from tools.dns.base import zone_for
from tools.dns.query import parse_nameserver, query_records
from tools.dns.zoneedit import (
    DbUpdateMarks,
    MemoryUpdateMarks,
    UpdateMarks,
    ZoneEditProvider,
    parse_reply,
    rate_limit_wait,
)

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def zoneedit() -> Iterator[FakeZoneEdit]:
    with serve_fake_zoneedit() as fake:
        yield fake


@pytest.fixture
def dns_server(zoneedit: FakeZoneEdit) -> Iterator[LocalDns]:
    server = LocalDns(zoneedit.lookup)
    yield server
    server.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_provider(
    zoneedit: FakeZoneEdit,
    dns_server: LocalDns,
    clock: Clock,
    *,
    token: str = FAKE_TOKEN,
    marks: UpdateMarks | None = None,
    base_url: str | None = None,
) -> ZoneEditProvider:
    return ZoneEditProvider(
        FAKE_USER,
        SecretStr(token),
        base_url=base_url or zoneedit.url,
        nameservers=[dns_server.address],
        zones=["example.com", "example.net"],
        marks=marks or MemoryUpdateMarks(),
        clock=clock,
        http_timeout=5.0,
        dns_timeout=2.0,
    )


@pytest.fixture
def provider(zoneedit: FakeZoneEdit, dns_server: LocalDns, clock: Clock) -> ZoneEditProvider:
    return make_provider(zoneedit, dns_server, clock)


# -- replies that count as success ---------------------------------------------------------


async def test_200_sets_the_address_and_dns_shows_it(
    provider: ZoneEditProvider, zoneedit: FakeZoneEdit
) -> None:
    result = await provider.ensure_record("N8N.example.com.", "a", ["203.0.113.7"])
    assert result.changed and result.previous == []
    assert await provider.get_records("n8n.example.com", "A") == ["203.0.113.7"]
    seen = zoneedit.requests[-1]
    assert seen.path == "/auth/dynamic.html" and seen.authorised
    assert seen.params == {"host": "n8n.example.com", "dnsto": "203.0.113.7"}


async def test_already_right_in_dns_sends_nothing(
    provider: ZoneEditProvider, zoneedit: FakeZoneEdit
) -> None:
    zoneedit.records[("n8n.example.com", "A")] = ["203.0.113.7"]
    result = await provider.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    assert not result.changed and result.previous == ["203.0.113.7"]
    assert zoneedit.requests == []


async def test_201_no_change_is_success(
    provider: ZoneEditProvider, zoneedit: FakeZoneEdit, dns_server: LocalDns
) -> None:
    # DNS lags behind ZoneEdit: the update goes out and ZoneEdit says nothing changed.
    zoneedit.records[("n8n.example.com", "A")] = ["203.0.113.7"]
    dns_server.overrides[("n8n.example.com", "A")] = ["198.51.100.1"]
    result = await provider.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    assert not result.changed and result.previous == ["198.51.100.1"]
    assert zoneedit.requests[-1].path == "/auth/dynamic.html"


async def test_707_duplicate_is_success(
    zoneedit: FakeZoneEdit, dns_server: LocalDns, clock: Clock
) -> None:
    first = make_provider(zoneedit, dns_server, clock)
    await first.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    # A second Jarvis (its own marks) whose DNS view is stale repeats the same update.
    dns_server.overrides[("n8n.example.com", "A")] = []
    second = make_provider(zoneedit, dns_server, clock)
    result = await second.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    assert not result.changed
    assert parse_reply('<ERROR CODE="707" TEXT="Duplicate">') is not None


async def test_aaaa_update(provider: ZoneEditProvider, zoneedit: FakeZoneEdit) -> None:
    result = await provider.ensure_record("v6.example.com", "AAAA", ["2001:DB8::1"])
    assert result.changed
    assert zoneedit.records[("v6.example.com", "AAAA")] == ["2001:db8::1"]
    assert await provider.get_records("v6.example.com", "AAAA") == ["2001:db8::1"]


# -- replies that are errors ---------------------------------------------------------------


async def test_702_gives_zoneedits_wait_and_we_keep_it(
    zoneedit: FakeZoneEdit, dns_server: LocalDns, clock: Clock
) -> None:
    other = make_provider(zoneedit, dns_server, clock)
    await other.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    zoneedit.advance(100)
    ours = make_provider(zoneedit, dns_server, clock)
    with pytest.raises(RateLimited) as err:
        await ours.ensure_record("n8n.example.com", "A", ["203.0.113.8"])
    assert err.value.retry_after == pytest.approx(500, abs=2)
    assert "500 s" in err.value.message or "499 s" in err.value.message
    sent = len(zoneedit.requests)
    # Our own limiter now knows ZoneEdit's wait and does not ask again before it ends.
    clock.advance(400)
    with pytest.raises(RateLimited) as again:
        await ours.ensure_record("n8n.example.com", "A", ["203.0.113.8"])
    assert again.value.retry_after == pytest.approx(100, abs=2)
    assert len(zoneedit.requests) == sent


async def test_702_without_param_reads_the_text(
    provider: ZoneEditProvider, zoneedit: FakeZoneEdit
) -> None:
    zoneedit.mode = "no_param"
    zoneedit.last_change["n8n.example.com"] = zoneedit.now()
    with pytest.raises(RateLimited) as err:
        await provider.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    assert err.value.retry_after == 600


def test_702_wait_falls_back_to_600() -> None:
    reply = parse_reply('<ERROR CODE="702" TEXT="Too many requests">')
    assert reply is not None and rate_limit_wait(reply) == 600
    reply = parse_reply('<ERROR CODE="702" PARAM="42" TEXT="Minimum 600 seconds">')
    assert reply is not None and rate_limit_wait(reply) == 42


async def test_708_wrong_token_is_auth_failed_and_frees_the_slot(
    zoneedit: FakeZoneEdit, dns_server: LocalDns, clock: Clock
) -> None:
    marks = MemoryUpdateMarks()
    wrong = make_provider(zoneedit, dns_server, clock, token="not-the-token-999", marks=marks)
    with pytest.raises(AuthFailed, match="login failed") as err:
        await wrong.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    assert "not-the-token-999" not in str(err.value)
    # ZoneEdit changed nothing, so the host's slot is still free for the right token.
    right = make_provider(zoneedit, dns_server, clock, marks=marks)
    assert (await right.ensure_record("n8n.example.com", "A", ["203.0.113.7"])).changed


async def test_http_401_is_auth_failed(provider: ZoneEditProvider, zoneedit: FakeZoneEdit) -> None:
    zoneedit.script("Authorization Required", status=401)
    with pytest.raises(AuthFailed, match="HTTP 401"):
        await provider.ensure_record("n8n.example.com", "A", ["203.0.113.7"])


async def test_701_zone_not_in_account_is_not_found(
    zoneedit: FakeZoneEdit, dns_server: LocalDns, clock: Clock
) -> None:
    zoneedit.zones = ("example.net",)
    provider = make_provider(zoneedit, dns_server, clock)
    with pytest.raises(NotFound, match="not in this ZoneEdit account"):
        await provider.ensure_record("n8n.example.com", "A", ["203.0.113.7"])


async def test_other_error_codes_are_change_failed_without_the_token(
    provider: ZoneEditProvider, zoneedit: FakeZoneEdit
) -> None:
    zoneedit.script(f'<ERROR CODE="799" TEXT="odd failure for {FAKE_TOKEN}">')
    with pytest.raises(ChangeFailed, match="799") as err:
        await provider.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    assert FAKE_TOKEN not in str(err.value) and "***" in str(err.value)


@pytest.mark.parametrize("mode", ["garbage", "server_error"])
async def test_garbage_and_500_are_unreachable(
    provider: ZoneEditProvider, zoneedit: FakeZoneEdit, mode: Mode
) -> None:
    zoneedit.mode = mode
    with pytest.raises(Unreachable) as err:
        await provider.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    expected = "not in its reply format" if mode == "garbage" else "HTTP 500"
    assert expected in str(err.value)


async def test_connection_refused_is_unreachable_and_frees_the_slot(
    zoneedit: FakeZoneEdit, dns_server: LocalDns, clock: Clock
) -> None:
    marks = MemoryUpdateMarks()
    with serve_fake_zoneedit() as gone:
        closed_url = gone.url
    down = make_provider(zoneedit, dns_server, clock, marks=marks, base_url=closed_url)
    with pytest.raises(Unreachable, match="could not connect"):
        await down.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    assert await marks.get("zoneedit", "n8n.example.com") is None


# -- our own 600 s limit -------------------------------------------------------------------


async def test_our_limit_blocks_without_calling_zoneedit(
    provider: ZoneEditProvider, zoneedit: FakeZoneEdit, clock: Clock
) -> None:
    await provider.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    sent = len(zoneedit.requests)
    with pytest.raises(RateLimited) as err:
        await provider.ensure_record("n8n.example.com", "A", ["203.0.113.8"])
    assert err.value.retry_after == 600 and len(zoneedit.requests) == sent
    clock.advance(599)
    with pytest.raises(RateLimited) as err:
        await provider.ensure_record("n8n.example.com", "A", ["203.0.113.8"])
    assert err.value.retry_after == pytest.approx(1)
    assert len(zoneedit.requests) == sent
    # Another host is not held up.
    assert (await provider.ensure_record("app.example.com", "A", ["203.0.113.9"])).changed
    clock.advance(1)
    zoneedit.advance(600)
    result = await provider.ensure_record("n8n.example.com", "A", ["203.0.113.8"])
    assert result.changed and result.previous == ["203.0.113.7"]


async def test_db_marks_survive_a_new_provider(
    database: Database, zoneedit: FakeZoneEdit, dns_server: LocalDns, clock: Clock
) -> None:
    first = make_provider(zoneedit, dns_server, clock, marks=DbUpdateMarks(database))
    await first.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    restarted = make_provider(zoneedit, dns_server, clock, marks=DbUpdateMarks(database))
    clock.advance(60)
    with pytest.raises(RateLimited) as err:
        await restarted.ensure_record("n8n.example.com", "A", ["203.0.113.8"])
    assert err.value.retry_after == pytest.approx(540)


async def test_db_marks_claim_get_put(database: Database) -> None:
    marks = DbUpdateMarks(database)
    assert await marks.get("zoneedit", "a.example.com") is None
    assert await marks.claim("zoneedit", "a.example.com", T0, 600) == 0
    assert await marks.get("zoneedit", "a.example.com") == T0
    left = await marks.claim("zoneedit", "a.example.com", T0 + timedelta(seconds=10), 600)
    assert left == pytest.approx(590)
    assert await marks.claim("zoneedit", "a.example.com", T0 + timedelta(seconds=600), 600) == 0
    await marks.put("zoneedit", "a.example.com", None)
    assert await marks.get("zoneedit", "a.example.com") is None
    await marks.put("zoneedit", "a.example.com", T0)
    await marks.put("zoneedit", "a.example.com", T0 + timedelta(seconds=5))
    assert await marks.get("zoneedit", "a.example.com") == T0 + timedelta(seconds=5)


# -- TXT, refusals, secrets ------------------------------------------------------------------


async def test_txt_create_and_delete(
    provider: ZoneEditProvider, zoneedit: FakeZoneEdit, clock: Clock
) -> None:
    name = "_acme-challenge.n8n.example.com"
    assert (await provider.ensure_record(name, "TXT", ["token-one"])).changed
    assert zoneedit.requests[-1].params == {"host": name, "rdata": "token-one"}
    assert await provider.get_records(name, "TXT") == ["token-one"]
    again = await provider.ensure_record(name, "TXT", ["token-one"])
    assert not again.changed and again.previous == ["token-one"]
    clock.advance(600)
    zoneedit.advance(600)
    gone = await provider.delete_record(name, "TXT", "token-one")
    assert gone.changed and gone.previous == ["token-one"]
    assert zoneedit.requests[-1].path == "/txt-delete.php"
    assert await provider.get_records(name, "TXT") == []
    assert not (await provider.delete_record(name, "TXT")).changed


async def test_txt_at_the_apex_uses_the_at_name(
    provider: ZoneEditProvider, zoneedit: FakeZoneEdit
) -> None:
    long_value = "v=spf1 " + "x" * 300
    assert (await provider.ensure_record("example.com", "TXT", [long_value])).changed
    assert zoneedit.requests[-1].params["host"] == "@.example.com"
    assert await provider.get_records("example.com", "TXT") == [long_value]


async def test_what_zoneedit_cannot_do_is_refused(
    provider: ZoneEditProvider, zoneedit: FakeZoneEdit
) -> None:
    with pytest.raises(BadInput, match="one address per host"):
        await provider.ensure_record("n8n.example.com", "A", ["203.0.113.7", "203.0.113.8"])
    with pytest.raises(BadInput, match="cannot delete A"):
        await provider.delete_record("n8n.example.com", "A")
    with pytest.raises(BadInput, match="cannot write CNAME"):
        await provider.ensure_record("n8n.example.com", "CNAME", ["example.com"])
    with pytest.raises(BadInput, match="not an IPv4"):
        await provider.ensure_record("n8n.example.com", "A", ["2001:db8::1"])
    with pytest.raises(BadInput, match="not a valid domain"):
        await provider.ensure_record("bad name", "A", ["203.0.113.7"])
    assert zoneedit.requests == []
    caps = provider.capabilities
    assert not caps.api_reads and caps.min_update_interval == 600 and "TXT" in caps.multi_value


async def test_no_token_in_errors_or_logs(
    zoneedit: FakeZoneEdit,
    dns_server: LocalDns,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    provider = make_provider(zoneedit, dns_server, clock)
    wrong = make_provider(zoneedit, dns_server, clock, token=FAKE_TOKEN + "x")
    messages: list[str] = []
    await provider.ensure_record("n8n.example.com", "A", ["203.0.113.7"])
    attempts: list[tuple[ZoneEditProvider, str, Mode]] = [
        (wrong, "app.example.com", "normal"),  # 708
        (provider, "n8n.example.com", "normal"),  # our own limit
        (provider, "other.example.com", "garbage"),
        (provider, "other.example.com", "server_error"),
    ]
    for who, host, mode in attempts:
        zoneedit.mode = mode
        try:
            await who.ensure_record(host, "A", ["203.0.113.8"])
        except JarvisError as exc:
            messages.append(f"{exc} {exc.details}")
    assert len(messages) == 4
    assert all(FAKE_TOKEN not in m for m in messages)
    assert FAKE_TOKEN not in caplog.text and "n8n.example.com" in caplog.text
    assert FAKE_TOKEN not in repr(provider.__dict__)


def test_constructor_needs_credentials_and_nameservers() -> None:
    with pytest.raises(BadInput):
        ZoneEditProvider("user", SecretStr(""), nameservers=["127.0.0.1"])
    with pytest.raises(BadInput, match="no API to read"):
        ZoneEditProvider("user", SecretStr("t"), nameservers=[])


async def test_custom_client_factory_is_used(
    zoneedit: FakeZoneEdit, dns_server: LocalDns, clock: Clock
) -> None:
    made: list[httpx.AsyncClient] = []

    def factory() -> httpx.AsyncClient:
        client = httpx.AsyncClient(timeout=5, headers={"User-Agent": "jarvis-test"})
        made.append(client)
        return client

    provider = ZoneEditProvider(
        FAKE_USER,
        SecretStr(FAKE_TOKEN),
        base_url=zoneedit.url,
        nameservers=[dns_server.address],
        clock=clock,
        client_factory=factory,
    )
    assert (await provider.ensure_record("n8n.example.com", "A", ["203.0.113.7"])).changed
    assert len(made) == 1


# -- DNS reads and zones -----------------------------------------------------------------------


async def test_dns_reads_nxdomain_nodata_timeout_servfail(dns_server: LocalDns) -> None:
    ns = [dns_server.address]
    dns_server.overrides[("multi.example.com", "A")] = ["203.0.113.2", "203.0.113.1"]
    assert await query_records("multi.example.com", "A", ns) == ["203.0.113.1", "203.0.113.2"]
    assert await query_records("missing.example.com", "A", ns) == []  # NXDOMAIN
    assert await query_records("example.com", "AAAA", ns) == []  # no data
    dns_server.mode = "drop"
    with pytest.raises(Unreachable, match=r"within 0\.5 s"):
        await query_records("example.com", "A", ns, lifetime=0.5)
    dns_server.mode = "servfail"
    with pytest.raises(Unreachable, match="refused or failed"):
        await query_records("example.com", "A", ns, lifetime=1)


def test_nameserver_specs() -> None:
    assert parse_nameserver("127.0.0.1") == ("127.0.0.1", 53)
    assert parse_nameserver("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_nameserver("[::1]:5353") == ("::1", 5353)
    assert parse_nameserver("::1") == ("::1", 53)
    for bad in ("ns1.example.com", "127.0.0.1:0", "127.0.0.1:x"):
        with pytest.raises(BadInput):
            parse_nameserver(bad)


def test_zone_for_takes_the_longest_suffix() -> None:
    zones = ["example.com", "lab.example.com", "example.org"]
    assert zone_for("n8n.lab.example.com.", zones) == "lab.example.com"
    assert zone_for("N8N.Example.com", zones) == "example.com"
    assert zone_for("example.org", zones) == "example.org"
    with pytest.raises(BadInput, match="none of the configured zones"):
        zone_for("n8n.example.net", zones)
    with pytest.raises(BadInput, match="not a valid"):
        zone_for("bad..name", zones)
    with pytest.raises(BadInput):
        zone_for("-x.example.com", zones)
