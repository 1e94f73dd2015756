"""Public IP detection against local stand-ins: HTTP sources and a nameserver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from pydantic import ValidationError

from core.errors import BadInput
from tests.testbed.local_dns import LocalDns
from tools.netcheck.common import parse_hostport
from tools.netcheck.public_ip import (
    DnsSource,
    HttpSource,
    PublicIpConfig,
    QuorumNotMet,
    detect_public_ip,
)

V4 = "93.184.216.34"
V4_LIE = "198.41.0.4"
V6 = "2606:2800:220:1:248:1893:25c8:1946"
SLOW_SECONDS = 3.0

# Path -> (delay, status, body) for the local "what is my IP" server.
ROUTES: dict[str, tuple[float, int, str]] = {
    "/agree": (0, 200, f"{V4}\n"),
    "/agree-too": (0, 200, f"  {V4}  \r\n"),
    "/lie": (0, 200, f"{V4_LIE}\n"),
    "/lie-too": (0, 200, f"{V4_LIE}\n"),
    "/garbage": (0, 200, "<html><body>Your IP: who knows</body></html>"),
    "/loopback": (0, 200, "127.0.0.1\n"),
    "/slow": (SLOW_SECONDS, 200, f"{V4}\n"),
    "/broken": (0, 503, "busy\n"),
    "/huge": (0, 200, "9" * 5000),
    "/v6": (0, 200, f"{V6}\n"),
    "/v6-upper": (0, 200, f"{V6.upper()}\n"),
}


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.split(b" ", 2)[1].decode()
        delay, status, body = ROUTES.get(path, (0, 404, "no\n"))
        if delay:
            await asyncio.sleep(delay)
        data = body.encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {len(data)}\r\n"
            f"Connection: close\r\n\r\n".encode()
            + data
        )
        await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


@pytest.fixture(scope="module")
async def web() -> AsyncIterator[str]:
    """Base URL of the local plain-text IP server."""
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.close()


@pytest.fixture(scope="module")
def refused() -> Iterator[str]:
    """A URL whose port is bound but not listening, so connections are refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    sock.close()


@pytest.fixture(scope="module")
async def nameserver() -> AsyncIterator[LocalDns]:
    dns = LocalDns(
        {
            ("myip.opendns.com", "A"): [V4],
            ("myip.opendns.com", "AAAA"): [V6],
            ("o-o.myaddr.l.google.com", "TXT"): [V4],
            ("liar.example", "A"): [V4_LIE],
        },
        silent={"silent.example"},
    )
    await dns.start()
    yield dns
    dns.close()


def http(web: str, path: str, **kw: object) -> HttpSource:
    return HttpSource.model_validate({"url": f"{web}{path}", "name": path.strip("/")} | kw)


def config(
    http_sources: list[HttpSource], dns_sources: list[DnsSource], **kw: object
) -> PublicIpConfig:
    defaults: dict[str, object] = {"source_timeout": 0.5, "deadline": 1.0}
    given = {"http_sources": http_sources, "dns_sources": dns_sources}
    return PublicIpConfig.model_validate(given | defaults | kw)


async def test_quorum_met_with_liar_garbage_slow_and_refusing(
    web: str, refused: str, nameserver: LocalDns
) -> None:
    sources = [
        http(web, "/agree"),
        http(web, "/agree-too"),
        http(web, "/lie"),
        http(web, "/garbage"),
        http(web, "/slow"),
        http(web, "/broken"),
        http(web, "/huge"),
        HttpSource(url=refused, name="refusing"),
    ]
    dns_source = DnsSource(server=nameserver.address, name="dns")
    started = time.perf_counter()
    result = await detect_public_ip("ipv4", config(sources, [dns_source]))
    elapsed = time.perf_counter() - started

    assert result.address == V4
    assert result.family == "ipv4"
    assert sorted(result.agreeing) == ["agree", "agree-too", "dns"]
    assert [(d.source, d.address) for d in result.dissenting] == [("lie", V4_LIE)]
    reasons = {f.source: f.reason for f in result.failed}
    assert set(reasons) == {"garbage", "slow", "broken", "huge", "refusing"}
    assert reasons["garbage"].startswith("not an IP address")
    assert reasons["slow"] == "timed out after 0.5s"
    assert reasons["broken"] == "HTTP 503"
    assert "longer than" in reasons["huge"]
    assert reasons["refusing"] == "connection refused"
    # Sources run at once: the slow one costs its timeout, not the sum of everything.
    assert elapsed < 0.9


async def test_quorum_not_met_names_every_source(web: str, nameserver: LocalDns) -> None:
    sources = [http(web, "/agree"), http(web, "/lie"), http(web, "/garbage")]
    dns_source = DnsSource(server=nameserver.address, qname="silent.example", name="dns")
    with pytest.raises(QuorumNotMet) as caught:
        await detect_public_ip("ipv4", config(sources, [dns_source], source_timeout=0.3))
    message = caught.value.message
    assert "quorum of 2" in message
    assert f"agree said {V4}" in message
    assert f"lie said {V4_LIE}" in message
    assert "garbage failed (not an IP address" in message
    assert "dns failed (timed out after 0.3s)" in message
    details = caught.value.details
    assert details is not None
    assert details["answers"] == {"agree": V4, "lie": V4_LIE}
    assert sorted(details["failed"]) == ["dns", "garbage"]


async def test_even_split_is_not_a_quorum(web: str, nameserver: LocalDns) -> None:
    sources = [
        http(web, "/agree"),
        http(web, "/agree-too"),
        http(web, "/lie"),
        http(web, "/lie-too"),
    ]
    with pytest.raises(QuorumNotMet, match="split evenly"):
        await detect_public_ip("ipv4", config(sources, []))


async def test_higher_quorum_needs_more_agreement(web: str, nameserver: LocalDns) -> None:
    sources = [http(web, "/agree"), http(web, "/agree-too")]
    dns_source = DnsSource(server=nameserver.address, name="dns")
    result = await detect_public_ip("ipv4", config(sources, [dns_source], quorum=3))
    assert result.address == V4 and len(result.agreeing) == 3
    with pytest.raises(QuorumNotMet, match="quorum of 4"):
        await detect_public_ip("ipv4", config(sources, [dns_source], quorum=4))


async def test_all_failing_says_no_source_answered(web: str, refused: str) -> None:
    sources = [http(web, "/garbage"), HttpSource(url=refused, name="refusing")]
    with pytest.raises(QuorumNotMet, match="no ipv4 source answered") as caught:
        await detect_public_ip("ipv4", config(sources, []))
    details = caught.value.details
    assert details is not None
    assert details["answers"] == {}
    assert details["failed"]["refusing"] == "connection refused"


async def test_ipv6_from_http_and_dns(web: str, nameserver: LocalDns) -> None:
    sources = [
        http(web, "/v6"),
        http(web, "/v6-upper"),
        http(web, "/agree"),  # an IPv4 answer is no use when asked for IPv6
        http(web, "/lie", families=["ipv4"]),  # not asked at all
    ]
    dns_source = DnsSource(server=nameserver.address, name="dns6", family="ipv6")
    # The local stand-ins listen on 127.0.0.1 only, so requests cannot be pinned to IPv6.
    result = await detect_public_ip("ipv6", config(sources, [dns_source], pin_family=False))
    assert result.address == V6
    assert result.family == "ipv6"
    assert sorted(result.agreeing) == ["dns6", "v6", "v6-upper"]
    assert result.dissenting == []
    assert [(f.source, f.reason) for f in result.failed] == [
        ("agree", f"answered {V4}, not an ipv6 address")
    ]


async def test_dns_txt_source_and_non_public_answers(web: str, nameserver: LocalDns) -> None:
    txt = DnsSource(
        server=nameserver.address, qname="o-o.myaddr.l.google.com", record="TXT", name="txt"
    )
    sources = [http(web, "/agree"), http(web, "/loopback")]
    result = await detect_public_ip("ipv4", config(sources, [txt]))
    assert sorted(result.agreeing) == ["agree", "txt"]
    assert [(f.source, f.reason) for f in result.failed] == [
        ("loopback", "answered 127.0.0.1, not a public address")
    ]
    allowed = await detect_public_ip(
        "ipv4", config([http(web, "/loopback"), http(web, "/loopback")], [], allow_non_public=True)
    )
    assert allowed.address == "127.0.0.1"
    assert allowed.agreeing == ["loopback", "loopback#2"]


async def test_dns_lying_and_nxdomain(web: str, nameserver: LocalDns) -> None:
    liar = DnsSource(server=nameserver.address, qname="liar.example", name="liar")
    missing = DnsSource(server=nameserver.address, qname="nope.example", name="missing")
    result = await detect_public_ip(
        "ipv4", config([http(web, "/agree"), http(web, "/agree-too")], [liar, missing])
    )
    assert [(d.source, d.address) for d in result.dissenting] == [("liar", V4_LIE)]
    assert "NXDOMAIN" in result.failed[0].reason


async def test_deadline_cuts_off_late_sources(web: str) -> None:
    sources = [http(web, "/agree"), http(web, "/agree-too"), http(web, "/slow")]
    started = time.perf_counter()
    result = await detect_public_ip("ipv4", config(sources, [], source_timeout=5, deadline=0.3))
    assert time.perf_counter() - started < 0.6
    assert result.address == V4
    assert [(f.source, f.reason) for f in result.failed] == [
        ("slow", "no answer before the deadline")
    ]


async def test_too_few_sources_configured() -> None:
    with pytest.raises(QuorumNotMet, match="only 1 ipv6 sources"):
        await detect_public_ip(
            "ipv6", config([HttpSource(url="http://127.0.0.1:9/")], [], quorum=2)
        )


def test_config_validation() -> None:
    with pytest.raises(ValidationError):
        PublicIpConfig(quorum=0)
    with pytest.raises(ValidationError):
        PublicIpConfig(deadline=0)
    with pytest.raises(ValidationError):
        PublicIpConfig.model_validate({"surprise": 1})
    with pytest.raises(ValidationError):
        HttpSource(url="ftp://127.0.0.1/")
    with pytest.raises(ValidationError):
        DnsSource(server="resolver1.opendns.com")
    defaults = PublicIpConfig()
    assert {s.reports for s in defaults.dns_sources} == {"ipv4", "ipv6"}
    assert any("ipify" in s.url for s in defaults.http_sources)


def test_parse_hostport() -> None:
    assert parse_hostport("208.67.222.222") == ("208.67.222.222", 53)
    assert parse_hostport("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_hostport("2620:119:35::35") == ("2620:119:35::35", 53)
    assert parse_hostport("[2620:119:35::35]:5353") == ("2620:119:35::35", 5353)
    for bad in ("example.com", "127.0.0.1:0", "127.0.0.1:x", "[::1", "[::1]x"):
        with pytest.raises(BadInput):
            parse_hostport(bad)
